-- R-3 (issue 20 item 8): what a deletion request names (photos, works,
-- comments, whole categories), under the user's data key; the operator's
-- approval deletes exactly that. Erasure clears it with the request's text.
ALTER TABLE rights_requests ADD COLUMN scope_ciphertext BYTEA;
