SELECT DISTINCT event_type FROM conflict.event_types
