-- Polling day, continued: knock-up rounds, promises added by hand, the postal-vote chase and lifts.

-- A knock-up round of a walk: the committee room sends knockers round it. Answers heard before
-- the walk's latest round began ("not in", "will vote") are cleared for it; "voted" and "do not
-- return today" hold all day. 'number' counts the walk's rounds that day (1, 2, 3, ...).
CREATE TABLE knock_up_rounds (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    walk_id BIGINT NOT NULL,
    number BIGINT NOT NULL,
    started_at TEXT NOT NULL,
    started_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (campaign_id, day, walk_id, number)
);
CREATE INDEX knock_up_answers_walk ON knock_up_answers (campaign_id, day, walk_id);

-- The committee room reads the tellings received since it last counted, and the tellings taken
-- back today, rather than the whole day's each time.
CREATE INDEX tellings_received ON tellings (campaign_id, received_at);
CREATE INDEX tellings_withdrawn ON tellings (campaign_id, withdrawn_at);

-- Electors the campaign counts as promises whatever their canvass answers say (a member, a
-- supporter met at a stall, a promise made on the phone): added and removed by an organiser.
CREATE TABLE hand_promises (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    elector_id BIGINT NOT NULL,
    added_at TEXT NOT NULL,
    added_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (campaign_id, elector_id)
);

-- The postal-vote chase: what a postal voter promise said when asked whether their postal vote
-- is posted (posted, not_yet, needs_replacement), the latest answer only (each is audited).
CREATE TABLE postal_chase (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    elector_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (campaign_id, elector_id)
);

-- A lift to the polling station, asked for at a door (the knock-up answer), given by a driver.
CREATE TABLE lifts_given (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    answer_id TEXT NOT NULL,
    given_at TEXT NOT NULL,
    given_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (campaign_id, answer_id)
);
