-- Control, curfew and restriction zones valid on the map date, with their controllers.
SELECT z.zone_key, z.name, z.kind, z.status, z.valid_from, z.valid_to, ST_AsBinary(z.geom),
       ST_X(ST_Centroid(z.geom)), ST_Y(ST_Centroid(z.geom)),
       (SELECT string_agg(a.short_name, ' + ' ORDER BY a.short_name) FROM conflict.control_zone_actors za
          JOIN conflict.actors a ON a.id = za.actor_id WHERE za.control_zone_id = z.id) AS controllers,
       s.name
FROM conflict.control_zones z JOIN conflict.sources s ON s.id = z.source_id
WHERE daterange(z.valid_from, z.valid_to, '[)') @> %(as_of)s::date
ORDER BY z.kind, z.zone_key
