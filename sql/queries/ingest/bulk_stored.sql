-- The stored version of each event of a source, for the bulk path's "unchanged" test: one text value, a line
-- per event (id <US> timestamp), parsed by Arrow in the client. Event ids never hold a line break or a unit
-- separator (the bulk path refuses such rows: they would not be the ids' canonical form).
SELECT string_agg(source_event_id || E'\x1f' || coalesce(source_timestamp::text, ''), E'\n')
FROM conflict.events WHERE source_id = %(source_id)s;
