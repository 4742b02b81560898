-- Link events of this run to events of other sources reporting the same thing: dates within a day,
-- at most %(radius_m)s metres apart (geodesic), compatible actors (conflict.actor_key). The bounding-box
-- pre-filter (&& on the GiST index, widened by latitude) only narrows; ST_DWithin on geography decides.
WITH cand AS (
    SELECT a.id AS a_id, b.id AS b_id,
           ST_Distance(a.geom::geography, b.geom::geography) AS distance_m,
           abs(a.event_date - b.event_date) AS days_apart
    FROM conflict.events a
    JOIN conflict.events b
      ON b.source_id <> a.source_id
     AND b.geom && ST_Expand(a.geom, %(radius_m)s / 111000.0 / greatest(cos(radians(abs(a.latitude) + 0.2)), 0.01) * 1.01,
                                   %(radius_m)s / 110000.0)
     AND a.geom && ST_Expand(b.geom, %(radius_m)s / 111000.0 / greatest(cos(radians(abs(b.latitude) + 0.2)), 0.01) * 1.01,
                                   %(radius_m)s / 110000.0)
     AND b.event_date BETWEEN a.event_date - 1 AND a.event_date + 1
     AND a.event_date BETWEEN b.event_date - 1 AND b.event_date + 1
     AND ST_DWithin(a.geom::geography, b.geom::geography, %(radius_m)s)
    WHERE a.ingest_run_id = %(run_id)s
      AND EXISTS (SELECT 1 FROM conflict.events o WHERE o.source_id <> %(source_id)s)
      AND (a.actor1 IS NULL OR b.actor1 IS NULL
           OR ARRAY[conflict.actor_key(a.actor1), conflict.actor_key(a.actor2)]
              && ARRAY[conflict.actor_key(b.actor1), conflict.actor_key(b.actor2)])
)
INSERT INTO conflict.event_links (event_id, twin_id, distance_m, days_apart)
SELECT least(a_id, b_id), greatest(a_id, b_id), distance_m, days_apart FROM cand
ON CONFLICT (event_id, twin_id) DO UPDATE SET distance_m = EXCLUDED.distance_m, days_apart = EXCLUDED.days_apart;
