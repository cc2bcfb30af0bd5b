-- Issue 19 item 5: a device whose pushes keep failing is dropped. Each
-- failure counts here; a success resets the count.
ALTER TABLE push_tokens ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;
