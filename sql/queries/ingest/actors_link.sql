-- Given ingest_actor_map (name, name_norm, inter_code, actor_id NULL): create the actors and aliases that
-- are missing (names are compared by conflict.norm_name; aliases already known win) and fill actor_id.
-- Names that normalise to nothing get no actor.
DELETE FROM ingest_actor_map WHERE name_norm = '';

INSERT INTO conflict.actors (name, inter_code, kind)
SELECT DISTINCT ON (m.name_norm) m.name, NULLIF(m.inter_code, 0),
       coalesce((ARRAY['state', 'rebel', 'militia', 'militia', 'rioters', 'protesters', 'civilians', 'external'])[m.inter_code], 'other')
FROM ingest_actor_map m
WHERE NOT EXISTS (SELECT 1 FROM conflict.actor_aliases a WHERE a.alias_norm = m.name_norm)
ORDER BY m.name_norm, m.name
ON CONFLICT (name) DO NOTHING;

INSERT INTO conflict.actor_aliases (alias, actor_id)
SELECT DISTINCT ON (m.name_norm) m.name, a.id
FROM ingest_actor_map m
JOIN conflict.actors a ON a.name = m.name
WHERE NOT EXISTS (SELECT 1 FROM conflict.actor_aliases x WHERE x.alias_norm = m.name_norm)
ORDER BY m.name_norm, m.name
ON CONFLICT (alias_norm) DO NOTHING;

UPDATE ingest_actor_map m SET actor_id = a.actor_id
FROM conflict.actor_aliases a WHERE a.alias_norm = m.name_norm;
