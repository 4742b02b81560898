SELECT EXISTS (SELECT 1 FROM conflict.events WHERE source_id = %(source_id)s);
