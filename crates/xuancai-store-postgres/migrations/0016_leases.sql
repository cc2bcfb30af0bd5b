-- Issue 23 item 2: work that must run on one node at a time across a
-- cluster (the periodic maintenance: trash purge, retention and erasure,
-- shutdown erasure, blob collection) is done under a named lease. A node
-- takes a free or expired lease, renews its own, and gives it back; a node
-- that dies loses it when `until` passes.
CREATE TABLE leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  BIGINT NOT NULL
);
