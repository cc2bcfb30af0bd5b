-- Accounts, one-time codes, send counters and sessions (ACC-1, ACC-2, ACC-4, SEC-4).
CREATE TABLE users (
    id               BYTEA PRIMARY KEY,           -- 16 random bytes (ACC-2)
    phone_hmac       BYTEA NOT NULL UNIQUE,       -- keyed hash for lookup; the phone is bound 1:1
    phone_ciphertext BYTEA NOT NULL,              -- the number under the user's data key (SEC-4)
    wrapped_data_key BYTEA NOT NULL,              -- the data key under the master key
    created_at       BIGINT NOT NULL
);

CREATE TABLE one_time_codes (
    phone_hmac BYTEA PRIMARY KEY,
    code_hash  BYTEA NOT NULL,                    -- SHA-256 of the code, never the code
    expires_at BIGINT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE code_sends (
    phone_hmac BYTEA NOT NULL,
    ip         TEXT NOT NULL,
    sent_at    BIGINT NOT NULL
);
CREATE INDEX code_sends_phone ON code_sends (phone_hmac, sent_at);
CREATE INDEX code_sends_ip ON code_sends (ip, sent_at);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,                 -- SHA-256 of the token, never the token
    user_id    BYTEA NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
