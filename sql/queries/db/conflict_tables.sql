-- Base tables of schema conflict, by name.
SELECT c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'conflict' AND c.relkind = 'r'
ORDER BY c.relname
