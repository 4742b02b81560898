-- Staging table for one roads import (dropped at commit).
CREATE TEMP TABLE roads_staging (
    feature   integer NOT NULL,
    osm_id    bigint NOT NULL,
    part      smallint NOT NULL,
    name      text,
    ref       text,
    highway   text,
    surface   text,
    tags      jsonb NOT NULL,
    wkb       bytea NOT NULL
) ON COMMIT DROP
