-- The actor one spelling names (accents, case and punctuation ignored).
SELECT a.id, a.name, a.inter_code
FROM conflict.actor_aliases al JOIN conflict.actors a ON a.id = al.actor_id
WHERE al.alias_norm = conflict.norm_name(%(alias)s)
