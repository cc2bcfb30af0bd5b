-- The privacy engine: consent ledger (CON-1..4, COOK-1), document versions
-- (CON-2), account life cycle (ACC-6, MIN-2..4), rights requests (R-1..6),
-- audit log (SEC-6), usage events (DATA-1, DATA-2), disclosures (DATA-6),
-- legal holds and erasure statistics (RET-2).
ALTER TABLE users ADD COLUMN cancelled_at BIGINT;
ALTER TABLE users ADD COLUMN guardian_phone_ciphertext BLOB;   -- under the user's data key (SEC-4)
ALTER TABLE users ADD COLUMN guardian_verified_at BIGINT;
CREATE INDEX users_cancelled ON users (cancelled_at) WHERE cancelled_at IS NOT NULL;

CREATE TABLE consents (
    id          BLOB PRIMARY KEY,
    user_id     BLOB REFERENCES users (id) ON DELETE CASCADE,
    device_hash BLOB,                        -- SHA-256 of a browser's random id, before sign-in
    topic       TEXT NOT NULL,               -- purpose key, or doc:KIND
    granted     BOOLEAN NOT NULL,
    version     TEXT,
    channel     TEXT NOT NULL,
    at          BIGINT NOT NULL,
    CHECK ((user_id IS NULL) <> (device_hash IS NULL))
);
CREATE INDEX consents_user ON consents (user_id, at);
CREATE INDEX consents_device ON consents (device_hash, at);
CREATE TRIGGER consents_append_only BEFORE UPDATE ON consents
BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;

CREATE TABLE documents (
    kind         TEXT NOT NULL,
    version      TEXT NOT NULL,
    effective_at BIGINT NOT NULL,
    material     BOOLEAN NOT NULL,
    summary      TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (kind, version)
);

CREATE TABLE rights_requests (
    id                BLOB PRIMARY KEY,
    user_id           BLOB REFERENCES users (id) ON DELETE SET NULL,   -- anonymous once erased
    kind              TEXT NOT NULL,
    status            TEXT NOT NULL,
    detail_ciphertext BLOB,
    resolution        TEXT,
    received_at       BIGINT NOT NULL,
    deadline_at       BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX rights_requests_user ON rights_requests (user_id, received_at);
CREATE INDEX rights_requests_open ON rights_requests (status, deadline_at);

CREATE TABLE audit_log (
    id         BLOB PRIMARY KEY,
    actor_id   BLOB NOT NULL,
    subject_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    action     TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_id, at);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE usage_events (
    id                BLOB PRIMARY KEY,
    user_id           BLOB REFERENCES users (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,
    detail            TEXT NOT NULL,
    ip_prefix         TEXT,
    device_ciphertext BLOB,
    at                BIGINT NOT NULL
);
CREATE INDEX usage_events_user ON usage_events (user_id, at);
CREATE INDEX usage_events_at ON usage_events (at);

CREATE TABLE disclosures (
    id         BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    recipient  TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    categories TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX disclosures_user ON disclosures (user_id, at);

CREATE TABLE legal_holds (
    id          BLOB PRIMARY KEY,
    user_id     BLOB NOT NULL,                 -- no foreign key: a hold outlives nothing it protects
    reason      TEXT NOT NULL,
    placed_at   BIGINT NOT NULL,
    released_at BIGINT
);
CREATE INDEX legal_holds_user ON legal_holds (user_id);

CREATE TABLE erasure_counts (
    day   TEXT PRIMARY KEY,
    count BIGINT NOT NULL
);
