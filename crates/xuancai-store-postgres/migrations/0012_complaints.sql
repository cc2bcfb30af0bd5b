-- R-7, MIN-5: complaints through the contact channel, without an account.
-- The message and the reply address are sealed by the service (body_ciphertext).
CREATE TABLE complaints (
    id              BYTEA PRIMARY KEY,
    topic           TEXT NOT NULL,
    status          TEXT NOT NULL,
    body_ciphertext BYTEA NOT NULL,
    resolution      TEXT,
    received_at     BIGINT NOT NULL,
    deadline_at     BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX complaints_queue ON complaints (status, deadline_at);
