-- Corridors and control zones each route segment crosses as of %(as_of)s (valid_from <= as_of < valid_to).
-- A corridor is crossed when the segment comes within width_m / 2 of its axis (geodesic): it enters its area.
WITH seg AS (
    SELECT (u.ord - 1)::integer AS i, ST_SetSRID(ST_GeomFromWKB(u.w), 4326) AS g
    FROM unnest(%(wkbs)s::bytea[]) WITH ORDINALITY AS u(w, ord)
)
SELECT seg.i, 'corridor' AS what, c.id, c.name, c.kind, NULL::text AS status, c.restrictions,
       a.name AS controllers, coalesce(a.kind = ANY (%(hostile_kinds)s::text[]), false) AS hostile,
       c.valid_from, c.valid_to
FROM seg
JOIN conflict.corridors c
  ON c.valid_from <= %(as_of)s AND (c.valid_to IS NULL OR c.valid_to > %(as_of)s)
 AND c.geom && ST_Expand(seg.g, 0.02 + c.width_m / 2.0 / 100000.0)
 AND ST_DWithin(c.geom::geography, seg.g::geography, c.width_m / 2.0)
LEFT JOIN conflict.actors a ON a.id = c.imposed_by
UNION ALL
SELECT seg.i, 'zone', z.id, z.name, z.kind, z.status, z.restrictions,
       (SELECT string_agg(a.name, ' + ' ORDER BY a.name) FROM conflict.control_zone_actors za
          JOIN conflict.actors a ON a.id = za.actor_id WHERE za.control_zone_id = z.id),
       coalesce((SELECT bool_or(a.kind = ANY (%(hostile_kinds)s::text[])) FROM conflict.control_zone_actors za
          JOIN conflict.actors a ON a.id = za.actor_id WHERE za.control_zone_id = z.id), false),
       z.valid_from, z.valid_to
FROM seg
JOIN conflict.control_zones z
  ON z.valid_from <= %(as_of)s AND (z.valid_to IS NULL OR z.valid_to > %(as_of)s)
 AND ST_Intersects(z.geom, seg.g)
ORDER BY 1, 2, 4
