-- The geometry of one administrative area.
SELECT geom FROM conflict.admin_areas WHERE level = %(level)s AND name = %(name)s
