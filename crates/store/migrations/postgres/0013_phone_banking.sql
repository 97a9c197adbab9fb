-- Phone banking: consent to calls, the numbers screened out (TPS, CTPS, and people who asked us
-- not to call), call lists saved from filters over the canvass, who is on each and where they
-- stand, and every call made.

-- Whether the elector agreed to be called on this number: a TPS or CTPS number is called only then.
ALTER TABLE elector_phones ADD COLUMN call_consent BIGINT NOT NULL DEFAULT 0;

-- Numbers not to call: 'tps' and 'ctps' from the Telephone Preference Service's files (called only
-- with the person's consent), 'asked' when the person asked us on a call (never called again).
CREATE TABLE screened_numbers (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    list TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, number, list)
);

-- A call list: a saved filter over the canvass (JSON: groundgame_core::calling::CallFilter), the
-- goal of conversations, and how long to wait before trying someone again.
CREATE TABLE call_lists (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    filter TEXT NOT NULL,
    goal BIGINT NOT NULL,
    cooldown_hours BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    closed_at TEXT,
    PRIMARY KEY (campaign_id, id)
);

-- Who is on a list and where they stand: handed to a caller in a batch (assigned_to), held by the
-- caller who has them now (held_by, until held_until), not to be called before call_after, and
-- done (with why: 'talked', 'refused', 'wrong_number', 'asked_not_to', 'unreachable') or not
-- callable ('no_number', 'screened', 'objected').
CREATE TABLE call_list_people (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    list_id BIGINT NOT NULL,
    elector_id BIGINT NOT NULL,
    assigned_to BIGINT REFERENCES users (id) ON DELETE SET NULL,
    held_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    held_until TEXT,
    call_after TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_outcome TEXT,
    done TEXT,
    PRIMARY KEY (campaign_id, list_id, elector_id)
);
CREATE INDEX call_list_people_next ON call_list_people (campaign_id, list_id, call_after, elector_id) WHERE done IS NULL;
CREATE INDEX call_list_people_held ON call_list_people (campaign_id, list_id, held_by) WHERE held_by IS NOT NULL;

-- Every call: what the line did or what the person said, and when to call back.
CREATE TABLE calls (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    list_id BIGINT NOT NULL,
    elector_id BIGINT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    number TEXT NOT NULL,
    outcome TEXT NOT NULL,
    called_at TEXT NOT NULL,
    call_back_at TEXT,
    PRIMARY KEY (campaign_id, id)
);
CREATE INDEX calls_elector ON calls (campaign_id, elector_id);
