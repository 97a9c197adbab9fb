-- Trust (SQLite): sessions a volunteer can see and end, invites that can be withdrawn, reset links,
-- browsers known to an account, contacts numbered per campaign and ordered by a time no phone's
-- clock can push out of range, what each phone was handed, and register uploads awaiting a
-- decision.

-- Where and on what a session was opened, so a volunteer can recognise theirs and end the rest.
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_user ON sessions (user_id);

-- An organiser can withdraw an invite before it is used.
ALTER TABLE invites ADD COLUMN revoked_at TEXT;

-- One-time links to choose a new password, issued by an organiser who runs every campaign the
-- account is in. Only the SHA-256 of the token is kept.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The campaign it was issued from (its audit log names it).
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    issued_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

-- Browsers that have signed in to an account: while someone guesses that account's password from
-- elsewhere, its owner keeps signing in from them. Only the SHA-256 of the cookie is kept.
CREATE TABLE known_devices (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX known_devices_user ON known_devices (user_id);

-- Contacts: an id is unique within its campaign only (the phone makes it), and each contact has
-- the time it is ordered by: the phone's time corrected by the phone's own clock error (measured
-- when it syncs), and never before the campaign began nor after the server received it.
CREATE TABLE contacts_by_campaign (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    walk_id INTEGER,
    household_id INTEGER NOT NULL,
    -- NULL for an outcome for the whole door (not in, do not knock).
    elector_id INTEGER,
    -- The door's polling district when the contact was stored: progress by district still adds up
    -- after a new register drops the door.
    polling_district TEXT,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- When the phone says it was recorded, when the server stored it, and the time it counts at.
    recorded_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    ordered_at TEXT NOT NULL,
    outcome TEXT,
    -- JSON object: question key -> answer code.
    answers TEXT NOT NULL,
    note TEXT NOT NULL,
    -- 'app' or 'paper'.
    source TEXT NOT NULL,
    PRIMARY KEY (campaign_id, id)
) WITHOUT ROWID;
INSERT INTO contacts_by_campaign (campaign_id, id, walk_id, household_id, elector_id, polling_district, user_id, recorded_at,
                                  received_at, ordered_at, outcome, answers, note, source)
SELECT c.campaign_id, c.id, c.walk_id, c.household_id, c.elector_id, h.polling_district, c.user_id, c.recorded_at, c.received_at,
       CASE WHEN c.recorded_at > c.received_at THEN c.received_at ELSE c.recorded_at END, c.outcome, c.answers, c.note, c.source
FROM contacts c LEFT JOIN households h ON h.campaign_id = c.campaign_id AND h.id = c.household_id;
DROP TABLE contacts;
ALTER TABLE contacts_by_campaign RENAME TO contacts;
CREATE INDEX contacts_campaign ON contacts (campaign_id, household_id);
CREATE INDEX contacts_ordered ON contacts (campaign_id, ordered_at);

-- What each phone was handed: every door and elector of a walk payload served to a volunteer, on
-- which walk, from when, and until when they held it. Answers recorded at a door while its
-- volunteer held it are kept whatever later happens to the walk (reassigned, re-planned, the
-- register re-imported).
CREATE TABLE handouts (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    household_id INTEGER NOT NULL,
    -- 0 for the door itself.
    elector_id INTEGER NOT NULL,
    walk_id INTEGER NOT NULL,
    handed_at TEXT NOT NULL,
    -- When the walk was given to someone else or the door left it; NULL while it is theirs.
    ended_at TEXT,
    PRIMARY KEY (campaign_id, user_id, household_id, elector_id)
) WITHOUT ROWID;
CREATE INDEX handouts_walk ON handouts (campaign_id, walk_id);

-- A register upload waiting for its organiser to confirm what it will change. Deleted when
-- confirmed, cancelled or an hour old.
CREATE TABLE register_uploads (
    id TEXT PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content BLOB NOT NULL,
    -- The register version it was previewed against: confirming over a newer one previews again.
    register_version INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
