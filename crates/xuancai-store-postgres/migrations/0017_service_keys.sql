-- Issue 23 item 5: keys the service keeps in its database, wrapped by the
-- master key (the derivation root every keyed hash and service key comes
-- from). A rotation re-wraps them with the data keys; `wrapped` names the
-- master key that wrapped it.
CREATE TABLE service_keys (
    name    TEXT PRIMARY KEY,
    wrapped BYTEA NOT NULL
);
