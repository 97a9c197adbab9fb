-- Peer-to-peer texting: numbers with their consent, templates, every text each way, and opt-outs.

-- Electors' mobile numbers: from a doorstep answer or a data officer's matched list, each with its
-- source and whether the elector agreed to texts from the campaign (when, how, to what wording).
CREATE TABLE elector_phones (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    elector_id INTEGER NOT NULL,
    -- E.164: +447700900123.
    number TEXT NOT NULL,
    -- 'doorstep' or 'upload'.
    source TEXT NOT NULL,
    sms_consent INTEGER NOT NULL DEFAULT 0,
    consent_at TEXT,
    consent_how TEXT,
    consent_wording TEXT,
    added_at TEXT NOT NULL,
    added_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (campaign_id, elector_id, number)
);
CREATE INDEX elector_phones_number ON elector_phones (campaign_id, number);

-- What a texter sends: the words, with merge fields ({first_name}, {campaign}, {session},
-- {polling_station}) filled in for each person.
CREATE TABLE text_templates (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    withdrawn_at TEXT,
    PRIMARY KEY (campaign_id, id)
);

-- Every text, each way. Out: 'waiting' (in the outbox), 'sent' (the provider took it),
-- 'delivered', 'undelivered' or 'failed' (as the provider's status callback says); only
-- 'delivered' counts as contact. In: 'received'. A thread is a campaign's texts with one elector
-- or volunteer; a reply joins the thread of the last text sent to its number.
CREATE TABLE texts (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    -- A UUID (v7: in time order) made by the server.
    id TEXT NOT NULL,
    -- 'out' or 'in'.
    direction TEXT NOT NULL,
    -- The other end's number (E.164).
    number TEXT NOT NULL,
    elector_id INTEGER,
    volunteer_id INTEGER,
    -- Out: who sent it. In: whose thread it lands in (who texted that number last).
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    template_id INTEGER,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    provider_sid TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    next_try_at TEXT,
    claimed_until TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at TEXT,
    status_at TEXT,
    PRIMARY KEY (campaign_id, id)
);
CREATE INDEX texts_elector ON texts (campaign_id, elector_id, id);
CREATE INDEX texts_volunteer ON texts (campaign_id, volunteer_id, id);
CREATE INDEX texts_sender ON texts (campaign_id, user_id, id);
CREATE INDEX texts_waiting ON texts (next_try_at) WHERE status = 'waiting';
-- A reply is matched to the last text sent to its number, in whichever campaign sent it.
CREATE INDEX texts_to_number ON texts (number, id) WHERE direction = 'out';
-- An inbound message is stored once, however often the provider retries its webhook.
CREATE UNIQUE INDEX texts_inbound_sid ON texts (campaign_id, provider_sid) WHERE direction = 'in';

-- Numbers that asked to hear no more (a STOP reply, or recorded by an organiser): no text goes
-- to them from the campaign. Undone only by an organiser, with a reason (kept here and audited).
CREATE TABLE sms_opt_outs (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    opted_out_at TEXT NOT NULL,
    -- 'reply' (with the words that did it) or 'organiser'.
    how TEXT NOT NULL,
    words TEXT,
    undone_at TEXT,
    undone_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    undo_reason TEXT,
    PRIMARY KEY (campaign_id, number)
);
