-- Alerts as the JSON lines `alerts watch` prints, in id order.
SELECT id, conflict.alert_json(id) FROM conflict.alerts WHERE id = ANY (%(ids)s::bigint[]) ORDER BY id
