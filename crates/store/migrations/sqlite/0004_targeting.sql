-- Election results imported with `groundgame results import`. The general elections of 2010 to
-- 2024 are bundled in the binary; an imported election of the same year takes their place.
CREATE TABLE elections (
    year INTEGER PRIMARY KEY,
    election_date TEXT NOT NULL,
    -- '2010' or '2024': the boundary set its seats belong to.
    boundaries TEXT NOT NULL,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

-- One row per party per seat (parties with no votes are left out).
CREATE TABLE election_results (
    year INTEGER NOT NULL REFERENCES elections (year) ON DELETE CASCADE,
    gss TEXT NOT NULL,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    nation TEXT NOT NULL,
    electorate INTEGER,
    party TEXT NOT NULL,
    votes INTEGER NOT NULL,
    PRIMARY KEY (year, gss, party)
);

-- Postcode centroids for the whole country, from an ONSPD or Code-Point Open file. The demo
-- area's postcodes are bundled in the binary.
CREATE TABLE postcodes (
    postcode TEXT PRIMARY KEY,
    lat REAL NOT NULL,
    lon REAL NOT NULL
);
