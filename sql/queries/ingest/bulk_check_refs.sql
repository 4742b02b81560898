-- The reference checks of the events_check_refs trigger, for a load that ran with it disabled: the same
-- function, locks (FOR KEY SHARE), error code and messages.
SELECT conflict.require_referenced('conflict.sources', %(source_ids)s::bigint[], 'events_source_id_fkey', 'source_id'),
       conflict.require_referenced('conflict.actors', %(actor_ids)s::bigint[], 'events_actor_id_fkey', 'actor1_id or actor2_id'),
       conflict.require_referenced('conflict.ingest_runs', %(run_ids)s::bigint[], 'events_ingest_run_id_fkey', 'ingest_run_id');
