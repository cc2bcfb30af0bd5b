-- Accounts, one-time codes, send counters and sessions (ACC-1, ACC-2, ACC-4, SEC-4).
CREATE TABLE users (
    id               BLOB PRIMARY KEY,           -- 16 random bytes (ACC-2)
    phone_hmac       BLOB NOT NULL UNIQUE,       -- keyed hash for lookup; the phone is bound 1:1
    phone_ciphertext BLOB NOT NULL,              -- the number under the user's data key (SEC-4)
    wrapped_data_key BLOB NOT NULL,              -- the data key under the master key
    created_at       BIGINT NOT NULL
);

CREATE TABLE one_time_codes (
    phone_hmac BLOB PRIMARY KEY,
    code_hash  BLOB NOT NULL,                    -- SHA-256 of the code, never the code
    expires_at BIGINT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE code_sends (
    phone_hmac BLOB NOT NULL,
    ip         TEXT NOT NULL,
    sent_at    BIGINT NOT NULL
);
CREATE INDEX code_sends_phone ON code_sends (phone_hmac, sent_at);
CREATE INDEX code_sends_ip ON code_sends (ip, sent_at);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,                 -- SHA-256 of the token, never the token
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
