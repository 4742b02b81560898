-- The batch path's candidates for the events %(event_ids)s (gis_core.analysis.alerts.match), as one row of arrays.
-- Each event row is read once (ev), with the event's part of the message. Each (event, rule) probes the sites
-- once, with its search envelope (migration 0031):
--   point sites: the partial SP-GiST index sites_point_spgist; every site in the box comes back with its
--     coordinates (the event's are in ev's arrays), and Python keeps those within radius_m (one geodesic inverse
--     per candidate gives the distance and the bearing together);
--   routes and areas (often none: then not even probed): the partial GiST index sites_shape_gix, then exactly what
--     conflict.match_alerts does: ST_DWithin on the spheroid, the distance to the nearest point, the bearing from
--     the site's closest point.
-- Events whose box for the largest active radius crosses the antimeridian are left out here and returned in
-- far_event_ids: Python hands them to conflict.match_alerts (geography knows no antimeridian).
WITH reach AS MATERIALIZED (      -- a column, not a sub-select, in ev: so that the function below is inlined
    SELECT max(radius_m) AS radius_m FROM conflict.alert_rules WHERE active
), ev AS MATERIALIZED (
    SELECT e.id, e.geom, e.longitude, e.latitude, e.fatalities, e.event_type,
           conflict.alert_event_text(e.event_type, e.sub_event_type, e.location, e.event_date, e.fatalities,
                                     e.actor1, e.actor2) AS event_text,
           conflict.search_crosses_antimeridian(e.longitude, e.latitude, reach.radius_m) AS far
    FROM conflict.events e CROSS JOIN reach
    WHERE e.id = ANY (%(event_ids)s::bigint[])
), er AS NOT MATERIALIZED (
    SELECT e.id AS event_id, e.geom, e.longitude, e.latitude, r.id AS rule_id, r.site_id AS rule_site_id, r.radius_m,
           conflict.search_envelope(e.longitude, e.latitude, r.radius_m) AS envelope
    FROM ev e
    JOIN conflict.alert_rules r
      ON r.active AND e.fatalities >= r.min_fatalities
     AND (r.event_types IS NULL OR e.event_type = ANY (r.event_types))
    WHERE NOT e.far
), pt AS (
    SELECT er.rule_id, s.id AS site_id, er.event_id, er.radius_m, ST_X(s.geom) AS site_lon, ST_Y(s.geom) AS site_lat,
           s.name
    FROM er
    JOIN conflict.sites s
      ON GeometryType(s.geom) = 'POINT' AND s.geom::geometry(Point, 4326) && er.envelope      -- sites_point_spgist
     AND (er.rule_site_id IS NULL OR s.id = er.rule_site_id)
), shp_box AS MATERIALIZED (     -- materialized: the exact test below must not pick the geography index instead
    SELECT er.rule_id, s.id AS site_id, er.event_id, er.radius_m, er.geom, s.geom AS site_geom, s.geog AS site_geog, s.name
    FROM er
    JOIN conflict.sites s
      ON GeometryType(s.geom) <> 'POINT' AND s.geom && er.envelope
     AND (er.rule_site_id IS NULL OR s.id = er.rule_site_id)
    WHERE EXISTS (SELECT FROM conflict.sites x WHERE GeometryType(x.geom) <> 'POINT')
), shp AS (
    SELECT b.rule_id, b.site_id, b.event_id, d.distance_m,
           CASE WHEN d.distance_m < 1 THEN 'NaN'::double precision
                ELSE degrees(ST_Azimuth(ST_ClosestPoint(b.site_geom, b.geom)::geography, b.geom::geography)) END AS bearing_deg,
           b.name
    FROM shp_box b
    CROSS JOIN LATERAL (SELECT ST_Distance(b.site_geog, b.geom::geography) AS distance_m) d
    WHERE ST_DWithin(b.site_geog, b.geom::geography, b.radius_m)
)
SELECT v.event_ids, v.event_lons, v.event_lats, v.event_texts, v.far_event_ids,
       p.rule_ids, p.site_ids, p.pair_event_ids, p.radii_m, p.site_lons, p.site_lats, p.site_names,
       q.rule_ids, q.site_ids, q.pair_event_ids, q.distances_m, q.bearings_deg, q.site_names
FROM (SELECT array_agg(id ORDER BY id) AS event_ids, array_agg(longitude ORDER BY id) AS event_lons,
             array_agg(latitude ORDER BY id) AS event_lats, array_agg(event_text ORDER BY id) AS event_texts,
             coalesce(array_agg(id) FILTER (WHERE far), '{}') AS far_event_ids
      FROM ev) v,
     (SELECT array_agg(rule_id) AS rule_ids, array_agg(site_id) AS site_ids, array_agg(event_id) AS pair_event_ids,
             array_agg(radius_m) AS radii_m, array_agg(site_lon) AS site_lons, array_agg(site_lat) AS site_lats,
             array_agg(name) AS site_names
      FROM pt) p,
     (SELECT array_agg(rule_id) AS rule_ids, array_agg(site_id) AS site_ids, array_agg(event_id) AS pair_event_ids,
             array_agg(distance_m) AS distances_m, array_agg(bearing_deg) AS bearings_deg, array_agg(name) AS site_names
      FROM shp) q
