-- The studio's job queue (issue 7): claimed under leases, retried with
-- backoff, kept with their error when they fail; erased with the account (RET-2).
CREATE TABLE jobs (
    id            BLOB PRIMARY KEY,
    user_id       BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    params        BLOB NOT NULL,                  -- sealed under the user's data key (SEC-4)
    state         TEXT NOT NULL,                 -- queued, running, done, failed
    progress      BIGINT NOT NULL,
    attempts      BIGINT NOT NULL,
    max_attempts  BIGINT NOT NULL,
    run_after     BIGINT NOT NULL,
    locked_by     TEXT,
    locked_until  BIGINT,
    result        BLOB,
    error_code    TEXT,
    error_message TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_after);
CREATE INDEX jobs_user ON jobs (user_id, created_at);

-- Template use for recommendations (IMG-4, CON-6): an anonymous count per
-- template, and per user only while personalisation consent stands.
CREATE TABLE template_popularity (
    template TEXT PRIMARY KEY,
    uses     BIGINT NOT NULL
);
CREATE TABLE template_use (
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template     TEXT NOT NULL,
    uses         BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, template)
);
