-- Walks (SQLite): each polling district's households cut into walks, each door in walking order.
-- A walk keeps its id when re-planning leaves it mostly unchanged, so assignments can follow it.
CREATE TABLE walks (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    polling_district TEXT NOT NULL,
    -- 'Walk 4' within its polling district.
    number INTEGER NOT NULL,
    -- What people call it: 'NA1 Walk 4: Duffield Rd / Belper Rd'.
    name TEXT NOT NULL,
    doors INTEGER NOT NULL,
    electors INTEGER NOT NULL,
    distance_m REAL NOT NULL,
    -- Estimated at door-knocking pace.
    minutes INTEGER NOT NULL,
    -- The register version the walk was planned from.
    register_version INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, id)
);

-- The doors of a walk (households), in walking order.
CREATE TABLE walk_doors (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    walk_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    household_id INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, walk_id, seq)
);
