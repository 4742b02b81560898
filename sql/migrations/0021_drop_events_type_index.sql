-- events_type_idx (0001) indexes a column of seven values: a type is about a seventh of the events, which the
-- planner reads by a sequential or bitmap scan of the other indexes, never through this one. No query filters
-- on the type alone (the map filters by date first, alerts by event id, the route profile by grid cell). Every
-- insert maintained it, and a first load of 1 M events spent 0.8 s of ~19 s building it (docs/importers.md,
-- "Speed"). Dropped; the CHECK events_event_type_pair still guards the column.
DROP INDEX IF EXISTS conflict.events_type_idx;
