-- The campaign and its electoral register (SQLite).
-- Every table carries campaign_id: data is scoped to one campaign by construction.
-- Dates are ISO 8601 text (YYYY-MM-DD), times RFC 3339 text in UTC.

-- A campaign is one election in one constituency, named by its ballot id.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    ballot_id TEXT NOT NULL UNIQUE,
    gss TEXT NOT NULL,
    name TEXT NOT NULL,
    election_date TEXT NOT NULL,
    -- Bumped by every import, update and absent voters list.
    register_version INTEGER NOT NULL DEFAULT 0,
    -- Ids of electors and households are allocated from here, never reused, so history that
    -- refers to an elector id stays attached to that person.
    next_row_id INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE polling_districts (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    PRIMARY KEY (campaign_id, code)
);

-- One door: everyone registered at one address. Stable across register versions by key.
CREATE TABLE households (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    polling_district TEXT NOT NULL,
    -- 'U:<uprn>' or 'A:<normalised address>|<postcode>'.
    key TEXT NOT NULL,
    address TEXT NOT NULL,
    postcode TEXT,
    uprn TEXT,
    lat REAL,
    lon REAL,
    -- Keys are unique within a campaign: the importer matches them in memory, so no index is
    -- kept for them (it would slow every import and serve no query).
    PRIMARY KEY (campaign_id, id)
);

-- The current register. An anonymous elector (marker N) has a number and nothing else.
CREATE TABLE electors (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    polling_district TEXT NOT NULL,
    elector_number INTEGER NOT NULL,
    elector_suffix INTEGER NOT NULL,
    title TEXT NOT NULL,
    forename TEXT NOT NULL,
    middle_names TEXT NOT NULL,
    surname TEXT NOT NULL,
    -- Address lines joined by newlines.
    address TEXT NOT NULL,
    postcode TEXT,
    uprn TEXT,
    markers TEXT NOT NULL,
    date_of_birth TEXT,
    household_id INTEGER,
    -- 'postal', 'proxy' or 'proxy_postal', from the absent voters list.
    absent_vote TEXT,
    -- The register version this person first appeared in (kept across renumbering).
    first_version INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, id),
    CONSTRAINT electors_number_unique UNIQUE (campaign_id, polling_district, elector_number, elector_suffix)
) WITHOUT ROWID;

-- No index by household: queries by household read a campaign's electors in bulk, and an index
-- here costs a third of an import's time.

-- An audit trail of every change to the register: who loaded what, when, and what it did.
CREATE TABLE register_imports (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    -- 'full', 'update' or 'absent_voters'.
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    format TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    electors_added INTEGER NOT NULL,
    electors_removed INTEGER NOT NULL,
    electors_amended INTEGER NOT NULL,
    -- Electors matched to a person already on the register (history kept).
    electors_matched INTEGER NOT NULL,
    unknown_markers TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, version)
);
