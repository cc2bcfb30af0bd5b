-- One-time codes are bound to their purpose (sign-in, identity re-check,
-- guardian verification): a code is valid only for the purpose it was sent
-- for. Pending codes are short-lived (minutes), so the table is rebuilt;
-- a code sent before the upgrade must be requested again.
DROP TABLE one_time_codes;
CREATE TABLE one_time_codes (
    phone_hmac BYTEA NOT NULL,
    purpose    TEXT NOT NULL CHECK (purpose IN ('sign_in', 'verify', 'guardian')),
    code_hash  BYTEA NOT NULL,                    -- SHA-256 of number, purpose, account and code; never the code
    expires_at BIGINT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (phone_hmac, purpose)
);
