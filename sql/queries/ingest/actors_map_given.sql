-- ingest_actor_map for given names (the bulk path, one batch's new names with the inter code of their first
-- appearance); ingest/actors_link then creates the missing actors and fills actor_id.
CREATE TEMP TABLE ingest_actor_map ON COMMIT DROP AS
SELECT d.name, conflict.norm_name(d.name) AS name_norm, d.inter_code, NULL::bigint AS actor_id
FROM unnest(%(names)s::text[], %(codes)s::smallint[]) AS d (name, inter_code);
