DROP INDEX duty_stations_line;
DROP TABLE duty_events;
DROP TABLE duty_assignments;
