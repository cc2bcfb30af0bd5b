-- Issue 19 item 16: every ciphertext bound to its owner, column and row;
-- comment text, blessing messages and work titles sealed like the other
-- personal fields. Sealing needs the keys, so the start-up pass of the
-- application does the work, account by account, and marks each account
-- done in `seal_version` (1: written before binding; 2: bound). Accounts
-- created from now on start at 2 (the default); the ones already here at 1.
-- The plaintext columns (title, text, message) are emptied by the pass and
-- written empty from now on; a later migration drops them.
ALTER TABLE users ADD COLUMN seal_version BIGINT NOT NULL DEFAULT 2;
UPDATE users SET seal_version = 1;
ALTER TABLE works ADD COLUMN title_ciphertext BLOB;
ALTER TABLE comments ADD COLUMN text_ciphertext BLOB;
ALTER TABLE blessings ADD COLUMN message_ciphertext BLOB;
