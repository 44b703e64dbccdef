-- Reverts 0005_events (the tables' indexes go with them).
DROP TABLE event_resource;
DROP TABLE event;
