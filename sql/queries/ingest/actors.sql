-- Actors named by the valid rows → conflict.actors / actor_aliases (merged by normalised name), and a map
-- raw name → actor id for linking events (ingest_actor_map). Distinct names first (one scan, hashed): norm_name runs once per name.
CREATE TEMP TABLE ingest_actor_map ON COMMIT DROP AS
SELECT d.name, conflict.norm_name(d.name) AS name_norm, d.inter_code, NULL::bigint AS actor_id
FROM (SELECT a.name, min(a.inter_code) AS inter_code
      FROM ingest_norm n CROSS JOIN LATERAL (VALUES (n.actor1, n.inter1_code), (n.actor2, n.inter2_code)) AS a (name, inter_code)
      WHERE n.problems IS NULL AND a.name IS NOT NULL
      GROUP BY a.name) AS d;

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
