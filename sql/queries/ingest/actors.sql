-- Actors named by the valid rows → a map raw name → actor id (ingest_actor_map); ingest/actors_link then
-- creates the missing actors and aliases (merged by normalised name) and fills actor_id.
-- A new actor's inter code is the one on its first appearance in the file (row order, actor1 before actor2):
-- the bulk path, which meets the names batch by batch, decides the same way.
CREATE TEMP TABLE ingest_actor_map ON COMMIT DROP AS
SELECT d.name, conflict.norm_name(d.name) AS name_norm, d.inter_code, NULL::bigint AS actor_id
FROM (SELECT DISTINCT ON (a.name) a.name, a.inter_code
      FROM ingest_norm n CROSS JOIN LATERAL (VALUES (n.actor1, n.inter1_code, 1), (n.actor2, n.inter2_code, 2)) AS a (name, inter_code, pos)
      WHERE n.problems IS NULL AND a.name IS NOT NULL
      ORDER BY a.name, n.row_no, a.pos) AS d;
