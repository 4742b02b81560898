-- The ACLED event type / sub-event type pairs and each type's default disorder type (the bulk path's checks).
SELECT event_type, sub_event_type, disorder_type FROM conflict.event_types ORDER BY event_type, sub_event_type;
