-- Country boxes for the bulk path's swapped-coordinates check (the detailed path joins the same table).
SELECT name_lower, lon_min, lat_min, lon_max, lat_max FROM conflict.country_bbox ORDER BY name_lower;
