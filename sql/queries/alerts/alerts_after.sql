-- Alerts raised after alert %(after_id)s (catch-up after a reconnect), oldest first.
SELECT id, conflict.alert_json(id) FROM conflict.alerts WHERE id > %(after_id)s ORDER BY id LIMIT 10000
