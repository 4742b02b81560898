-- Kind and short name of the drawn sources.
SELECT file_name, kind, name FROM conflict.sources WHERE name = ANY(%(names)s)
