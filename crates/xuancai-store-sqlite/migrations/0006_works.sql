-- Works, comments and blessings (IMG-6, DATA-3, R-8). Everything goes with
-- the owner's account (RET-2); a deleted work takes its comments with it
-- and leaves blessings without it.
CREATE TABLE works (
    id           BLOB PRIMARY KEY,
    owner_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    visibility   TEXT NOT NULL,                 -- public, link, private
    link_version BIGINT NOT NULL,               -- raising it kills old share links
    mime         TEXT NOT NULL,
    width        BIGINT NOT NULL,
    height       BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX works_public ON works (visibility, created_at);
CREATE INDEX works_owner ON works (owner_id, created_at);

CREATE TABLE comments (
    id         BLOB PRIMARY KEY,
    work_id    BLOB NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    author_id  BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX comments_work ON comments (work_id, created_at);
CREATE INDEX comments_author ON comments (author_id, created_at);

CREATE TABLE comment_reports (
    comment_id  BLOB NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    reporter_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (comment_id, reporter_id)
);

CREATE TABLE blessings (
    id           BLOB PRIMARY KEY,
    sender_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    recipient_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    work_id      BLOB REFERENCES works (id) ON DELETE SET NULL,
    template     TEXT,
    message      TEXT NOT NULL,
    share_hash   BLOB NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL
);
CREATE INDEX blessings_recipient ON blessings (recipient_id, created_at);
