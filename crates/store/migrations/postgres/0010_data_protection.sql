-- Data protection by design.

-- A tamper-evident audit log: every line written from now on has its place in its campaign's
-- chain (seq), the SHA-256 of its detail (kept when retention removes the detail itself) and a
-- hash over the previous line's hash and its own fields (see groundgame_store::audit). A line
-- changed, removed or slipped in afterwards no longer verifies (`groundgame audit verify`).
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN detail_digest TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE INDEX audit_log_chain ON audit_log (campaign_id, seq);

-- The last line of each chain: one chain per campaign, and scope 0 for lines of no campaign.
-- Writing a line updates its chain's row, so lines of one campaign are chained one at a time
-- whichever server writes them.
CREATE TABLE audit_chain (
    scope BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

-- Retention: the day after which the campaign's register and canvass are deleted, when an
-- organiser chose one (otherwise polling day, or the day the campaign was set up if later, plus
-- the retention setting: groundgame_core::campaign::retention_date), and when they were deleted.
ALTER TABLE campaigns ADD COLUMN retain_until TEXT;
ALTER TABLE campaigns ADD COLUMN register_deleted_at TEXT;

-- Electors who objected to being contacted: off every walk, sheet, phone, knock-up list, postal
-- chase, friend match and export of the campaign. It follows the elector's id, which an import
-- keeps while the register knows them as the same person, so a re-imported register does not
-- bring them back. Deleted with the register at retention.
CREATE TABLE objections (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    elector_id BIGINT NOT NULL,
    recorded_at TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- How it came (a letter, on the doorstep, an email) and anything to remember.
    how TEXT NOT NULL,
    PRIMARY KEY (campaign_id, elector_id)
);

-- Two-factor sign-in (TOTP, RFC 6238): the account's secret once set up, when, and the time step
-- of the last code used (a code works once, on any server).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Recovery codes, each usable once, for a lost phone: only their SHA-256 is kept.
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
);

-- A password accepted, waiting for the second factor: no session exists until the code is
-- right. Short-lived, a few tries; for setting it up, the secret proposed.
CREATE TABLE sign_in_tickets (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    new_device BIGINT NOT NULL,
    proposed_secret TEXT,
    tries BIGINT NOT NULL DEFAULT 0,
    expires_at TEXT NOT NULL
);
