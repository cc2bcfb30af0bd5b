-- Issue 19 item 5: operators' messages (ADS-2, ADS-3) are delivered from a
-- queue, a page of accounts at a time, by whichever node holds the lease;
-- `cursor` is the last account of the last page done, so a broadcast cut
-- short by a crash resumes there. Operators' text, not personal data.
CREATE TABLE broadcasts (
    id          BYTEA PRIMARY KEY,
    kind        TEXT NOT NULL,                   -- service or marketing
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_by  BYTEA REFERENCES users (id) ON DELETE SET NULL, -- the operator
    created_at  BIGINT NOT NULL,
    cursor      BYTEA,
    delivered   BIGINT NOT NULL DEFAULT 0,
    pushed      BIGINT NOT NULL DEFAULT 0,
    skipped     BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT NOT NULL DEFAULT 0,
    finished_at BIGINT
);
CREATE INDEX broadcasts_open ON broadcasts (finished_at, created_at);
