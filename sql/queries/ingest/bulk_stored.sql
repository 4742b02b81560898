-- The stored version of each event of a source, for the bulk path's "unchanged" tests: one text value, a line
-- per event (id <US> timestamp <US> raw hash as 32 hex digits, or 32 dashes), parsed by Arrow in the client. Event ids never
-- hold a line break or a unit separator (the bulk path refuses such ids; Stored falls back if one is stored).
SELECT convert_to(string_agg(source_event_id || E'\x1f' || coalesce(source_timestamp::text, '') || E'\x1f'
                  || coalesce(replace(raw_hash::text, '-', ''), repeat('-', 32)), E'\n'), 'UTF8')
FROM conflict.events WHERE source_id = %(source_id)s;
