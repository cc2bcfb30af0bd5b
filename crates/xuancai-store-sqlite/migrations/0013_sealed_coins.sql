-- §11, ACC-8: coins are property information (sensitive). The balance and each
-- ledger entry are sealed under the user's data key; `reference` becomes a
-- keyed hash (still unique per user, so check-ins stay idempotent). Rows
-- written before this migration keep their plain columns until the app
-- re-seals them (at the user's next use of coins).
ALTER TABLE users ADD COLUMN coin_balance_ciphertext BLOB;
ALTER TABLE coin_ledger ADD COLUMN entry_ciphertext BLOB;
