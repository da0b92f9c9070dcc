-- The audit export reads an organisation's status changes by time (GET /api/v1/audit-events).
CREATE INDEX audit_events_at ON audit_events (org_id, at, id);
