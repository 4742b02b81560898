-- Row counts of the tables the seed fills.
SELECT 'sources' AS tbl, count(*) FROM conflict.sources
UNION ALL SELECT 'actors', count(*) FROM conflict.actors
UNION ALL SELECT 'actor_aliases', count(*) FROM conflict.actor_aliases
UNION ALL SELECT 'admin_areas', count(*) FROM conflict.admin_areas
UNION ALL SELECT 'places', count(*) FROM conflict.places
UNION ALL SELECT 'place_names', count(*) FROM conflict.place_names
UNION ALL SELECT 'roads', count(*) FROM conflict.roads
UNION ALL SELECT 'events', count(*) FROM conflict.events
UNION ALL SELECT 'control_zones', count(*) FROM conflict.control_zones
UNION ALL SELECT 'control_zone_actors', count(*) FROM conflict.control_zone_actors
UNION ALL SELECT 'corridors', count(*) FROM conflict.corridors
UNION ALL SELECT 'sites', count(*) FROM conflict.sites
