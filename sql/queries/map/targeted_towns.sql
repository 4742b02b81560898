-- Towns targeted on the attack day: one point per location of a Battles event of that day.
SELECT e.location, avg(e.longitude), avg(e.latitude), min(s.name), min(s.file_name)
FROM conflict.events e JOIN conflict.sources s ON s.id = e.source_id
WHERE e.event_date = %(attack_date)s AND e.event_type = 'Battles' AND e.geo_precision <= 2
GROUP BY e.location
ORDER BY e.location
