-- Issue 20 (MIN-2, MIN-3, MIN-5, MIN-6, RET-2):
-- * the guardian's number is also kept as a keyed hash, so a guardian can
--   sign in to the guardian's page (with a code of its own purpose) and
--   manage the accounts they agreed for;
-- * an account under 18 waiting for a guardian records since when, so one
--   whose guardian never agrees is erased after a short, documented period;
-- * a cancelled account records when it is due for erasure (three calendar
--   months later, or at once for a child), so the retention job selects
--   exactly the due accounts not under a legal hold.
ALTER TABLE users ADD COLUMN guardian_phone_hmac BLOB;
ALTER TABLE users ADD COLUMN guardian_required_since BIGINT;
ALTER TABLE users ADD COLUMN erase_after BIGINT;
UPDATE users SET erase_after = cancelled_at + 7776000000 WHERE cancelled_at IS NOT NULL;
CREATE INDEX users_guardian_phone ON users (guardian_phone_hmac);
CREATE INDEX users_erase_after ON users (erase_after);
CREATE INDEX users_guardian_wait ON users (guardian_required_since);

-- A fourth code purpose: the guardian's own sign-in to the guardian's page.
DROP TABLE one_time_codes;
CREATE TABLE one_time_codes (
    phone_hmac BLOB NOT NULL,
    purpose    TEXT NOT NULL CHECK (purpose IN ('sign_in', 'verify', 'guardian', 'guardian_portal')),
    code_hash  BLOB NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (phone_hmac, purpose)
);
