-- Accounts, the audit log and canvassing (PostgreSQL).

-- The party the campaign works for: its supporters are the ones counted.
ALTER TABLE campaigns ADD COLUMN party TEXT NOT NULL DEFAULT 'Lab';

-- A volunteer's account. One person can be in several campaigns, in a different role in each.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- argon2id, PHC string. NULL until an invite is accepted.
    password_hash TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE memberships (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- 'organiser', 'data_officer', 'canvasser' or 'teller'.
    role TEXT NOT NULL,
    PRIMARY KEY (campaign_id, user_id)
);

-- One-time links to join a campaign. Only the SHA-256 of the token is kept.
CREATE TABLE invites (
    token_hash TEXT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    invited_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

-- Signed-in sessions. Only the SHA-256 of the cookie's token is kept.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    -- Sent back in every form and API write.
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- Who read or changed what: every export and bulk read of the register, every sign-in.
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    campaign_id BIGINT REFERENCES campaigns (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    at TEXT NOT NULL,
    -- 'export_register', 'walk_payload', 'sign_in', ...
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    -- Electors (or rows) the action read or wrote.
    rows BIGINT NOT NULL
);
CREATE INDEX audit_log_campaign ON audit_log (campaign_id, id);

-- The campaign's script, as JSON (see groundgame_core::survey::Survey).
CREATE TABLE surveys (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
    definition TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A canvassing session: a time and a meeting point that walks are handed out at.
CREATE TABLE canvass_sessions (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    meeting_point TEXT NOT NULL,
    PRIMARY KEY (campaign_id, id)
);

-- Who knocks a walk, and in which session.
CREATE TABLE walk_assignments (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    walk_id BIGINT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    session_id BIGINT,
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, walk_id)
);
CREATE INDEX walk_assignments_user ON walk_assignments (user_id);

-- Contacts: immutable events, one per answer sheet at a door, made on the phone with its own UUID.
-- An elector's state is derived from them (the latest recorded wins); a correction is a new event.
CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    walk_id BIGINT,
    household_id BIGINT NOT NULL,
    -- NULL for an outcome for the whole door (not in, do not knock).
    elector_id BIGINT,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- When the canvasser recorded it (the phone's clock), and when the server stored it.
    recorded_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    outcome TEXT,
    -- JSON object: question key -> answer code.
    answers TEXT NOT NULL,
    note TEXT NOT NULL,
    -- 'app' or 'paper'.
    source TEXT NOT NULL
);
CREATE INDEX contacts_campaign ON contacts (campaign_id, household_id);
