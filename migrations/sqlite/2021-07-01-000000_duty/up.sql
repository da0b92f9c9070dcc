-- R10 station duty: rosters of the duty stations, and sensitive-period duty events.

CREATE TABLE duty_assignments (
    org_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id BIGINT NOT NULL,
    person TEXT NOT NULL,
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, station_id) REFERENCES duty_stations (org_id, id),
    CHECK (to_date >= from_date)
);
CREATE INDEX duty_assignments_station ON duty_assignments (org_id, station_id, person, from_date);

CREATE TABLE duty_events (
    org_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    city TEXT NOT NULL,
    budget_line_id BIGINT NOT NULL,
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    extra_staff INTEGER NOT NULL CHECK (extra_staff BETWEEN 1 AND 1000),
    created_by BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, budget_line_id) REFERENCES budget_lines (org_id, id),
    CHECK (to_date >= from_date)
);
CREATE INDEX duty_events_line ON duty_events (org_id, budget_line_id);
CREATE INDEX duty_stations_line ON duty_stations (org_id, budget_line_id);
