COPY roads_staging (feature, osm_id, part, name, ref, highway, surface, tags, wkb) FROM STDIN
