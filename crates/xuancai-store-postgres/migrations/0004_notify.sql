-- Push tokens (DATA-5) and the inbox (ADS-2, ADS-3).
CREATE TABLE push_tokens (
    id               BYTEA PRIMARY KEY,
    user_id          BYTEA NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider         TEXT NOT NULL,
    token_hash       BYTEA NOT NULL,              -- keyed hash, to store a token once
    token_ciphertext BYTEA NOT NULL,              -- under the user's data key (SEC-4)
    created_at       BIGINT NOT NULL,
    UNIQUE (user_id, token_hash)
);

CREATE TABLE inbox (
    id      BYTEA PRIMARY KEY,
    user_id BYTEA NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,                       -- service or marketing
    title   TEXT NOT NULL,
    body    TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX inbox_user ON inbox (user_id, at);
