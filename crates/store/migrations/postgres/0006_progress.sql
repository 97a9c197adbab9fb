-- The live progress, kept as contacts are stored (in the same transaction), so that reading it
-- costs the same at a thousand contacts and at a million. Each table can be rebuilt from the
-- contacts at any time (store::progress::rebuild), which is how the tests check it.

-- Each door knocked: how many contacts, and whether someone was spoken to there.
CREATE TABLE progress_doors (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    household_id BIGINT NOT NULL,
    polling_district TEXT,
    contacts BIGINT NOT NULL,
    spoken BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, household_id)
);

-- The same for each day a door was knocked (doors are counted once a day in the day's figures).
CREATE TABLE progress_door_days (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    household_id BIGINT NOT NULL,
    spoken BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, day, household_id)
);

-- Each contacted elector's state: the fold of their contacts in the order they count at.
CREATE TABLE progress_electors (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    elector_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    polling_district TEXT,
    intention TEXT,
    certainty BIGINT,
    outcome TEXT,
    -- The latest contact's time and id: a contact that counts earlier than this is folded in by
    -- going over the elector's contacts again.
    ordered_at TEXT NOT NULL,
    last_contact TEXT NOT NULL,
    supporter BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, elector_id)
);

-- The counts: for the whole campaign (kind 'all', key ''), each walk (key: its id), polling
-- district and day. Doors on walks are not here: they come from the walks themselves.
CREATE TABLE progress_tallies (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    contacts BIGINT NOT NULL,
    doors_knocked BIGINT NOT NULL,
    doors_spoken BIGINT NOT NULL,
    supporters BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, kind, key)
);

-- Which walk a door is on, looked up as contacts arrive.
CREATE INDEX walk_doors_household ON walk_doors (campaign_id, household_id);
