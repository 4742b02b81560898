SELECT id FROM conflict.sites WHERE conflict.norm_name(name) = conflict.norm_name(%(name)s)
