-- Volunteers and the online-to-doorstep pipeline (PostgreSQL): volunteer records and their consents,
-- session times with places and a waiting list, sign-ups, reminders, the mail outbox, share
-- links and posts.

-- A session's meeting point for those with a place (the public see only `meeting_point`), where
-- it is (for the nearest sessions and the walks handed out there), who hosts it, and whether it
-- is cancelled. `sequence` grows with each change, so that calendars replace the event.
ALTER TABLE canvass_sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE canvass_sessions ADD COLUMN postcode TEXT;
ALTER TABLE canvass_sessions ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE canvass_sessions ADD COLUMN lon DOUBLE PRECISION;
ALTER TABLE canvass_sessions ADD COLUMN details TEXT NOT NULL DEFAULT '';
ALTER TABLE canvass_sessions ADD COLUMN host_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE canvass_sessions ADD COLUMN cancelled_at TEXT;
ALTER TABLE canvass_sessions ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;
-- When the session last changed (RFC 3339), for the campaign's feed.
ALTER TABLE canvass_sessions ADD COLUMN updated_at TEXT;

-- A session's times, each with its own places. Times are UK wall-clock 'YYYY-MM-DDTHH:MM'.
CREATE TABLE session_slots (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, id)
);
CREATE INDEX session_slots_session ON session_slots (campaign_id, session_id);
CREATE INDEX session_slots_starts ON session_slots (starts_at);
-- Sessions from before had one time: three hours from their start, thirty places.
INSERT INTO session_slots (campaign_id, id, session_id, starts_at, ends_at, capacity)
SELECT campaign_id, id, id, starts_at, to_char(CAST(starts_at AS TIMESTAMP) + INTERVAL '3 hours', 'YYYY-MM-DD"T"HH24:MI'), 30 FROM canvass_sessions;

-- A volunteer of a campaign, with or without an account. The same email (in lower case) or
-- phone (E.164) is one record. `link_secret` is the volunteer's own link, sent in every email
-- (their page, their calendar feed, unsubscribing); like a private calendar address it is a
-- bearer secret, and a new one can be issued. `check_in_code` is what a host types or scans.
CREATE TABLE volunteers (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    email_key TEXT,
    phone TEXT,
    phone_key TEXT,
    postcode TEXT,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    availability TEXT NOT NULL DEFAULT '',
    skills TEXT NOT NULL DEFAULT '',
    age_band TEXT,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    link_secret TEXT NOT NULL,
    check_in_code TEXT NOT NULL,
    -- Who brought them: the volunteer whose share link they came by.
    recruited_by BIGINT,
    share_code TEXT,
    email_confirmed_at TEXT,
    -- What the public sign-up form last gave (name, postcode, consent to campaign email), as JSON:
    -- applied to the record only once the link emailed to them is followed.
    pending_details TEXT,
    -- Set when they unsubscribe: no mail of any kind is sent to them after.
    unsubscribed_at TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, id)
);
CREATE UNIQUE INDEX volunteers_email ON volunteers (campaign_id, email_key);
CREATE INDEX volunteers_phone ON volunteers (campaign_id, phone_key);
CREATE UNIQUE INDEX volunteers_link ON volunteers (link_secret);
CREATE UNIQUE INDEX volunteers_check_in ON volunteers (campaign_id, check_in_code);
CREATE INDEX volunteers_recruiter ON volunteers (campaign_id, recruited_by);

-- Every change to a volunteer's details, with what it was before and how it came.
CREATE TABLE volunteer_history (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    volunteer_id BIGINT NOT NULL,
    at TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    how TEXT NOT NULL
);
CREATE INDEX volunteer_history_of ON volunteer_history (campaign_id, volunteer_id);

-- Consent per channel ('email', 'sms', 'phone'), every change kept: given or withdrawn, when, how
-- and to what wording. The latest line of a channel is the consent in force.
CREATE TABLE volunteer_consents (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    volunteer_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    given BIGINT NOT NULL,
    at TEXT NOT NULL,
    how TEXT NOT NULL,
    wording TEXT NOT NULL
);
CREATE INDEX volunteer_consents_of ON volunteer_consents (campaign_id, volunteer_id, channel);

-- A volunteer's sign-up to a session time: 'pending' (email not confirmed: holds no place),
-- 'booked', 'waiting' or 'cancelled'. Attendance: checked in, or marked as not having come.
CREATE TABLE signups (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    volunteer_id BIGINT NOT NULL,
    slot_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    signed_up_at TEXT NOT NULL,
    confirmed_at TEXT,
    -- When the place was given (a promotion from the waiting list gives it later).
    booked_at TEXT,
    cancelled_at TEXT,
    -- The answer to "still coming?".
    still_coming_at TEXT,
    checked_in_at TEXT,
    checked_in_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    no_show_at TEXT,
    walk_in BIGINT NOT NULL DEFAULT 0,
    -- The share link they signed up through, credited to its sharer.
    share_code TEXT,
    PRIMARY KEY (campaign_id, id),
    UNIQUE (campaign_id, slot_id, volunteer_id)
);
CREATE INDEX signups_volunteer ON signups (campaign_id, volunteer_id);
CREATE INDEX signups_share ON signups (campaign_id, share_code);
-- A time's places taken and waiting are counted by status: a surge of sign-ups waiting for their
-- link must not slow the count.
CREATE INDEX signups_slot_status ON signups (campaign_id, slot_id, status);

-- Reminders sent, once each: of a sign-up (the day before, the morning of) or of a session time
-- (the host's follow-up), by kind.
CREATE TABLE reminders_sent (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    of_id BIGINT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, kind, of_id)
);

-- Mail waiting to be sent, and sent. Queued in the transaction that makes it, sent behind by the
-- server's mailer, which claims a batch for a while so that several servers never send one twice.
CREATE TABLE mail_outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id BIGINT REFERENCES campaigns (id) ON DELETE CASCADE,
    volunteer_id BIGINT,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- An iCalendar attachment.
    calendar TEXT,
    -- The one-click unsubscribe address (RFC 8058).
    unsubscribe_url TEXT,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    next_try_at TEXT NOT NULL,
    claimed_until TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TEXT
);
CREATE INDEX mail_outbox_waiting ON mail_outbox (next_try_at) WHERE sent_at IS NULL;
-- A volunteer's mail: one confirmation in ten minutes, their data, unsubscribing.
CREATE INDEX mail_outbox_volunteer ON mail_outbox (campaign_id, volunteer_id, kind, created_at);

-- Short links a supporter shares (/s/CODE): to a session, a post or the campaign's sign-up page.
-- Clicks are counted; sign-ups and attendance through it are credited to its volunteer.
CREATE TABLE share_links (
    code TEXT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    volunteer_id BIGINT,
    target TEXT NOT NULL,
    target_id BIGINT,
    created_at TEXT NOT NULL,
    clicks BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX share_links_of ON share_links (campaign_id, volunteer_id, target, target_id);

-- Posts an organiser publishes for supporters to share.
CREATE TABLE posts (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link_url TEXT,
    image BYTEA,
    image_type TEXT,
    published_at TEXT NOT NULL,
    published_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    withdrawn_at TEXT,
    PRIMARY KEY (campaign_id, id)
);

-- Origins allowed to frame the campaign's embeddable sign-up page, one per line.
ALTER TABLE campaigns ADD COLUMN embed_origins TEXT NOT NULL DEFAULT '';

-- Lifts to the marginals: a driver's seats from a postcode to a session, a rider's ask for one,
-- and the pairing the app proposes (nearest first). Each sees the other's name and contact
-- details only once both have accepted; a declined pairing is never proposed again.
CREATE TABLE lift_offers (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    volunteer_id BIGINT NOT NULL,
    postcode TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    seats BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    withdrawn_at TEXT,
    PRIMARY KEY (campaign_id, id)
);
CREATE INDEX lift_offers_session ON lift_offers (campaign_id, session_id);
CREATE TABLE lift_asks (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    volunteer_id BIGINT NOT NULL,
    postcode TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    created_at TEXT NOT NULL,
    withdrawn_at TEXT,
    PRIMARY KEY (campaign_id, id)
);
CREATE INDEX lift_asks_session ON lift_asks (campaign_id, session_id);
CREATE TABLE lift_pairings (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    offer_id BIGINT NOT NULL,
    ask_id BIGINT NOT NULL,
    distance_km DOUBLE PRECISION NOT NULL,
    proposed_at TEXT NOT NULL,
    driver_accepted_at TEXT,
    rider_accepted_at TEXT,
    declined_at TEXT,
    PRIMARY KEY (campaign_id, offer_id, ask_id)
);
CREATE INDEX lift_pairings_ask ON lift_pairings (campaign_id, ask_id);

-- Relational organising: the friends and family a supporter lists, the register entry they
-- chose for each (shown to them only as first name, surname initial and street), and the
-- conversation they had (a contact with source 'relational'). Organisers see a friend only once
-- a conversation is recorded.
CREATE TABLE friends (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    volunteer_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    age_band TEXT,
    elector_id BIGINT,
    contact_id TEXT,
    talked_at TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, id)
);
CREATE INDEX friends_of ON friends (campaign_id, volunteer_id);
