-- A place of one source by its exact name.
SELECT id FROM conflict.places WHERE name = %(name)s AND source_id = %(source_id)s
