-- One name of a place; a spelling that normalises like one already stored is skipped.
INSERT INTO conflict.place_names (place_id, name) VALUES (%(place_id)s, %(name)s)
ON CONFLICT (place_id, name_norm) DO NOTHING
