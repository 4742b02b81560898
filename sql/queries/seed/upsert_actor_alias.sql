-- One spelling of an actor; a normalised alias names exactly one actor (the seed wins on conflict).
INSERT INTO conflict.actor_aliases (alias, actor_id) VALUES (%(alias)s, %(actor_id)s)
ON CONFLICT (alias_norm) DO UPDATE SET actor_id = EXCLUDED.actor_id
