-- Close names for an unknown place name, by trigram similarity of the normalised names.
SELECT p.name, max(similarity(n.name_norm, conflict.norm_name(%(name)s))) AS score
FROM conflict.place_names n
JOIN conflict.places p ON p.id = n.place_id
WHERE n.name_norm %% conflict.norm_name(%(name)s)
   OR n.name_norm LIKE left(conflict.norm_name(%(name)s), 3) || '%%'
GROUP BY p.name
ORDER BY score DESC, p.name
LIMIT %(limit)s
