-- The indexes of conflict.events that back no constraint (not the primary key, not the unique key), with the
-- statement that builds each again: the first load of an empty table builds them after its insert.
SELECT c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'conflict.events'::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
ORDER BY c.relname;
