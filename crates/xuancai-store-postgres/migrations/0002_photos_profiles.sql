-- Profiles (ACC-5, ACC-3), the coin ledger (ACC-8), counted events, photos
-- and albums (IMG-1), and the blob garbage queue.
ALTER TABLE users ADD COLUMN nickname_ciphertext BYTEA;      -- under the user's data key (SEC-4)
ALTER TABLE users ADD COLUMN birth_date_ciphertext BYTEA;    -- under the user's data key (SEC-4)
ALTER TABLE users ADD COLUMN avatar_version TEXT;
ALTER TABLE users ADD COLUMN password_hash TEXT;            -- Argon2id PHC string (SEC-2)
ALTER TABLE users ADD COLUMN coin_balance BIGINT NOT NULL DEFAULT 0 CHECK (coin_balance >= 0);

CREATE TABLE coin_ledger (
    id         BYTEA PRIMARY KEY,
    user_id    BYTEA NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    delta      BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    reference  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, reference)
);
CREATE INDEX coin_ledger_user ON coin_ledger (user_id, created_at, id);

CREATE TABLE events (
    kind TEXT NOT NULL,
    key  BYTEA NOT NULL,
    at   BIGINT NOT NULL
);
CREATE INDEX events_key ON events (kind, key, at);

CREATE TABLE photos (
    id              BYTEA PRIMARY KEY,
    user_id         BYTEA NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content_hash    BYTEA NOT NULL,                 -- keyed hash, for per-user de-duplication
    mime            TEXT NOT NULL,
    width           BIGINT NOT NULL,
    height          BIGINT NOT NULL,
    bytes           BIGINT NOT NULL,
    meta_ciphertext BYTEA NOT NULL,                 -- under the user's data key (SEC-4)
    created_at      BIGINT NOT NULL,
    favourite       BOOLEAN NOT NULL DEFAULT FALSE,
    archived        BOOLEAN NOT NULL DEFAULT FALSE,
    trashed_at      BIGINT,
    UNIQUE (user_id, content_hash)
);
CREATE INDEX photos_timeline ON photos (user_id, created_at, id);
CREATE INDEX photos_trash ON photos (trashed_at) WHERE trashed_at IS NOT NULL;

CREATE TABLE albums (
    id              BYTEA PRIMARY KEY,
    user_id         BYTEA NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name_ciphertext BYTEA NOT NULL,                 -- under the user's data key (SEC-4)
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX albums_user ON albums (user_id, created_at, id);

CREATE TABLE album_photos (
    album_id BYTEA NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    photo_id BYTEA NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (album_id, photo_id)
);
CREATE INDEX album_photos_photo ON album_photos (photo_id);

CREATE TABLE blob_gc (
    prefix TEXT PRIMARY KEY,
    due_at BIGINT NOT NULL
);
CREATE INDEX blob_gc_due ON blob_gc (due_at);
