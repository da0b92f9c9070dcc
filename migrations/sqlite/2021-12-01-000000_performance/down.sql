DROP TABLE performance_targets;
