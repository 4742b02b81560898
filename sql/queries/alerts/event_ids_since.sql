-- The events `alerts check --since` evaluates: dated on or after %(since)s, in id order.
SELECT id FROM conflict.events WHERE event_date >= %(since)s ORDER BY id
