-- Polling day: what counts as a promise, and the numbers tellers take at the polling stations.

-- How many contacts each door had on each day, so that a knock-up list says how many times a
-- door was knocked today. The kept progress is emptied here and counted again from the contacts
-- when the store next opens (store::progress::build_missing).
ALTER TABLE progress_door_days ADD COLUMN contacts BIGINT NOT NULL DEFAULT 0;
DELETE FROM progress_doors;
DELETE FROM progress_door_days;
DELETE FROM progress_electors;
DELETE FROM progress_tallies;

-- A promise: the campaign's party at least this certain (1 to 5). The share of promises expected
-- to vote, when measured (NULL: two thirds).
ALTER TABLE campaigns ADD COLUMN promise_min_certainty BIGINT NOT NULL DEFAULT 4;
ALTER TABLE campaigns ADD COLUMN promise_turnout DOUBLE PRECISION;

-- Each number a teller took, stored once by the id the phone made for it.
CREATE TABLE tellings (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    polling_district TEXT NOT NULL,
    -- As the teller typed it, for the committee room when it matches nobody.
    number TEXT NOT NULL,
    -- The elector who voted; NULL while the number matches nobody on the register (kept aside).
    elector_id BIGINT,
    -- The phone's clock, kept as its account; the server's receipt orders strike-offs.
    recorded_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    -- Taken back (the teller's undo): the elector is no longer struck off by this telling.
    withdrawn_at TEXT,
    withdrawn_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (campaign_id, id)
);
CREATE INDEX tellings_elector ON tellings (campaign_id, elector_id);

-- The polling stations (polling places) and the polling districts each serves: a district votes
-- at one station; a station may serve several districts.
CREATE TABLE polling_stations (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    PRIMARY KEY (campaign_id, id),
    UNIQUE (campaign_id, name)
);
CREATE TABLE polling_station_districts (
    campaign_id BIGINT NOT NULL,
    station_id BIGINT NOT NULL,
    polling_district TEXT NOT NULL,
    PRIMARY KEY (campaign_id, polling_district),
    FOREIGN KEY (campaign_id, station_id) REFERENCES polling_stations (campaign_id, id) ON DELETE CASCADE
);

-- The official count of ballot papers issued at a station so far (the presiding officer gives
-- it to tellers through the day): how much of the turnout the tellers have seen.
CREATE TABLE polling_station_counts (
    campaign_id BIGINT NOT NULL,
    station_id BIGINT NOT NULL,
    counted_at TEXT NOT NULL,
    ballot_papers BIGINT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (campaign_id, station_id, counted_at),
    FOREIGN KEY (campaign_id, station_id) REFERENCES polling_stations (campaign_id, id) ON DELETE CASCADE
);

-- The committee rooms and the polling districts each runs on polling day.
CREATE TABLE committee_rooms (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    PRIMARY KEY (campaign_id, id),
    UNIQUE (campaign_id, name)
);
CREATE TABLE committee_room_districts (
    campaign_id BIGINT NOT NULL,
    room_id BIGINT NOT NULL,
    polling_district TEXT NOT NULL,
    PRIMARY KEY (campaign_id, polling_district),
    FOREIGN KEY (campaign_id, room_id) REFERENCES committee_rooms (campaign_id, id) ON DELETE CASCADE
);

-- A walk's knock-up list reads what the progress keeps of the electors at its doors, from the
-- index alone (without the answers in it, SQLite's planner would rather scan the campaign).
CREATE INDEX progress_electors_household ON progress_electors (campaign_id, household_id, intention, certainty, outcome);

-- What knockers heard at promises' doors on polling day, each stored once by the id the phone
-- made for it: voted, will vote, not in, needs a lift (one elector, or the whole door when
-- elector_id is NULL), do not return today (the whole door). 'day' is the UK date it was heard.
CREATE TABLE knock_up_answers (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    walk_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    elector_id BIGINT,
    answer TEXT NOT NULL,
    day TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, id)
);
CREATE INDEX knock_up_answers_door ON knock_up_answers (campaign_id, day, household_id);

-- The marked register after an election: who voted (by the elector's id at the time), to
-- measure what share of promises voted. Replaced by each import.
CREATE TABLE marked_voters (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    elector_id BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, elector_id)
);
