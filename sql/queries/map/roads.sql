-- Main roads to draw (schematic or imported); imported OSM minor roads are left out at country scale.
SELECT ST_AsBinary(r.geom), r.ref, r.highway, r.schematic, s.name
FROM conflict.roads r JOIN conflict.sources s ON s.id = r.source_id
WHERE r.schematic OR r.highway IN ('motorway', 'trunk', 'primary')
