SELECT CASE WHEN event_id = %(event_id)s THEN twin_id ELSE event_id END, distance_m, days_apart
FROM conflict.event_links WHERE event_id = %(event_id)s OR twin_id = %(event_id)s ORDER BY distance_m;
