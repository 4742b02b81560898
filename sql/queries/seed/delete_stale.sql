-- Rows a previous version of the seed loaded that the current seed no longer has (same seed sources).
WITH e AS (
    DELETE FROM conflict.events WHERE source_id = ANY(%(source_ids)s) AND NOT (source_event_id = ANY(%(event_ids)s)) RETURNING 1
), z AS (
    DELETE FROM conflict.control_zones WHERE source_id = ANY(%(source_ids)s)
      AND NOT ((zone_key || '@' || valid_from::text) = ANY(%(zone_keys)s)) RETURNING 1
), c AS (
    DELETE FROM conflict.corridors WHERE source_id = ANY(%(source_ids)s)
      AND NOT ((corridor_key || '@' || valid_from::text) = ANY(%(corridor_keys)s)) RETURNING 1
), r AS (
    DELETE FROM conflict.roads WHERE source_id = ANY(%(source_ids)s) AND tags ? 'edge_key'
      AND NOT ((tags ->> 'edge_key') = ANY(%(edge_keys)s)) RETURNING 1
), s AS (
    DELETE FROM conflict.sites WHERE source_id = ANY(%(source_ids)s) AND NOT (name = ANY(%(site_names)s)) RETURNING 1
)
SELECT (SELECT count(*) FROM e) + (SELECT count(*) FROM z) + (SELECT count(*) FROM c) + (SELECT count(*) FROM r) + (SELECT count(*) FROM s)
