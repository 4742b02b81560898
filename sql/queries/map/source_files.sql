-- The files (report file names, blockade_notes.md) behind the drawn sources.
SELECT DISTINCT file_name, kind FROM conflict.sources WHERE name = ANY(%(names)s)
