-- NOTIFY the alerts just raised (a separate statement: alert_json must see the inserted rows).
SELECT count(pg_notify('conflict_alerts', conflict.alert_json(id))) FROM unnest(%(ids)s::bigint[]) AS a (id);
