DROP INDEX audit_events_at;
