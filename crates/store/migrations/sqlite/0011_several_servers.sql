-- Failed sign-in tries, counted in the database so that every server of a campaign counts the
-- same tries. `key` is the SHA-256 of what is counted (an email, an address, both, or a device
-- cookie), so the table holds no email or address; rows older than the window are deleted.
CREATE TABLE sign_in_tries (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    attempt TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX sign_in_tries_key ON sign_in_tries (key, at_ms);
CREATE INDEX sign_in_tries_at ON sign_in_tries (at_ms);
CREATE INDEX sign_in_tries_attempt ON sign_in_tries (attempt);

-- The electors at a walk's doors, found by household: with hundreds of campaigns in one
-- database, a pass over the campaign's electors (what the walk payload did) reads 70,000 rows
-- for the 150 at the walk's doors, and its cost grows with the table.
CREATE INDEX electors_household ON electors (campaign_id, household_id);
