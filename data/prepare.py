#!/usr/bin/env python3
"""Derive the trimmed open-data files that groundgame ships from the full public copies.

Run from the repository root: python3 data/prepare.py ../shared/data
Every output file is listed, with its source and licence, in data/LICENSES.md.
"""
import collections
import csv
import os
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
out = os.path.dirname(os.path.abspath(__file__))


def read(path, encoding="utf-8-sig"):
    with open(os.path.join(src, path), newline="", encoding=encoding) as f:
        return list(csv.DictReader(f))


def region(name):
    """One name for each region across the Library's files (2015-2017 say 'East', 2019-2024 'East of England')."""
    return "East of England" if name == "East" else name


def write(path, header, rows):
    full = os.path.join(out, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"{path}: {len(rows)} rows")


# Constituencies on the 2010-2019 boundaries: GSS code, name, region, nation, centroid.
rows = read("geography/constituency_centroids_pcon13.csv")
write(
    "constituencies_pcon13.csv",
    ["gss", "name", "region", "nation", "lat", "lon"],
    [[r["pcon13cd"], r["pcon13nm"], region(r["region_name"]), r["country_name"], r["centroid_lat"], r["centroid_lon"]] for r in rows],
)

# Postcode centroids of the demo seat (Derby North, E14000662), with the ward each lies in.
rows = read("postcodes/de_postcodes_codepoint2014_wgs84.csv")
demo = [r for r in rows if r["pcon13cd"] == "E14000662"]
write(
    "postcodes/derby_north.csv",
    ["postcode", "lat", "lon", "ward"],
    [[r["postcode"], r["latitude"], r["longitude"], r["admin_ward_name"]] for r in demo],
)

# Forenames by birth decade and sex: the ONS historic top 100 (1904-1994) and the yearly lists
# (1996-2020, the top 150 of each year summed by decade). Weights are relative within a decade.
forenames = collections.Counter()
for r in read("names/ons_ew_top100_babynames_1904_1994.csv"):
    decade = int(r["year"]) // 10 * 10
    # The historic list has ranks, not counts: weight by a Zipf-like curve on the rank.
    forenames[(decade, r["sex"], r["name"])] += round(10000 / int(r["rank"]))
for r in read("names/ons_ew_babynames_1996_2020.csv"):
    if int(r["rank"]) <= 150:
        decade = int(r["year"]) // 10 * 10
        forenames[(decade, r["sex"], r["name"])] += int(r["n"])
write(
    "names/forenames.csv",
    ["decade", "sex", "name", "weight"],
    sorted([[d, s, n, w] for (d, s, n), w in forenames.items()]),
)

# Surnames: counted over the real candidates of the 2015, 2019 and 2024 general elections (no openly
# licensed population surname list exists for Great Britain). Kept: names seen at least twice.
surnames = collections.Counter()
for r in read("elections/ec_ge2015_results_by_candidate.csv", encoding="cp1252"):
    surnames[r["Surname"].strip().title()] += 1
for r in read("elections/hoc_ge2019_results_by_candidate.csv"):
    surnames[r["surname"].strip().title()] += 1
for r in read("elections/hoc_ge2024_results_by_candidate.csv"):
    surnames[r["Candidate surname"].strip().title()] += 1
write(
    "names/surnames.csv",
    ["surname", "weight"],
    [[n, c] for n, c in surnames.most_common() if c >= 2 and n.replace("-", "").replace("'", "").isalpha()],
)

# General election results by constituency, one file per election, all in one layout that
# `groundgame results import` also reads: GSS code, name, region, nation, electorate, valid votes,
# then votes per party (a column per party code; columns that are zero everywhere are left out).
RESULT_HEADER = ["ons_id", "constituency_name", "region_name", "country_name", "electorate", "valid_votes"]
PARTY_COLUMNS = {  # party code in groundgame -> column names in the House of Commons Library files
    "con": ["con", "Con"], "lab": ["lab", "Lab"], "ld": ["ld", "LD"], "ukip": ["ukip"], "brx": ["BRX"],
    "ruk": ["RUK"], "green": ["green", "Green"], "snp": ["snp", "SNP"], "pc": ["pc", "PC"],
    "dup": ["dup", "DUP"], "sf": ["sf", "SF"], "sdlp": ["sdlp", "SDLP"], "uup": ["uup", "UUP"],
    "alliance": ["alliance", "APNI"], "other": ["other", "All other candidates"],
}


def first(row, *names):
    for n in names:
        if n in row:
            return row[n]
    raise KeyError(names)


def write_results(year, seats):
    parties = [p for p in PARTY_COLUMNS if any(s[6].get(p, 0) for s in seats)]
    rows = []
    for gss, name, region, nation, electorate, valid, votes in sorted(seats):
        assert sum(votes.values()) == valid, (year, gss, sum(votes.values()), valid)
        rows.append([gss, name, region, nation, electorate, valid] + [votes.get(p, 0) for p in parties])
    assert len(rows) == 650, (year, len(rows))
    write(f"elections/ge{year}.csv", RESULT_HEADER + parties, rows)


pcon13 = {r["pcon13cd"]: r for r in read("geography/constituency_centroids_pcon13.csv")}
for year in (2015, 2017, 2019, 2024):
    seats = []
    for r in read(f"elections/hoc_ge{year}_results_by_constituency.csv"):
        votes = {}
        for code, cols in PARTY_COLUMNS.items():
            for c in cols:
                if c in r and r[c].strip():
                    votes[code] = votes.get(code, 0) + int(r[c])
        gss = first(r, "ons_id", "id", "ONS ID")
        seats.append((
            gss, first(r, "constituency_name", "Constituency name"), region(first(r, "region_name", "Region name")),
            first(r, "country_name", "Country name"), int(first(r, "electorate", "Electorate")),
            int(first(r, "valid_votes", "Valid votes")), votes,
        ))
    write_results(year, seats)

# 2010 comes from the Library's 1918-2017 file, which counts UKIP and the Greens among 'other' and
# SNP and Plaid Cymru together (split here by nation). Names and regions follow the 2015 file.
seats = []
for r in read("elections/hoc_1918_2017_election_results.csv"):
    if r["election"] != "2010":
        continue
    gss = r["constituency_id"]
    n = lambda k: int(r[k].strip() or 0)
    nation = pcon13[gss]["country_name"]
    votes = {"con": n("con_votes"), "lab": n("lab_votes"), "ld": n("lib_votes "), "other": n("oth_votes")}
    if n("natSW_votes"):
        votes["snp" if nation == "Scotland" else "pc"] = n("natSW_votes")
    valid = n("total_votes")
    # The file rounds nothing, but a few rows' parts fall short of the total: the rest is 'other'.
    votes["other"] += valid - sum(votes.values())
    seats.append((gss, pcon13[gss]["pcon13nm"], region(pcon13[gss]["region_name"]), nation, n("electorate"), valid, votes))
write_results(2010, seats)

# The seats of each boundary set, with their place on the hexagon cartogram (ODI Leeds / Open
# Innovations, odd-r layout). Names, regions and nations come from the 2017 and 2024 results.
import json
for year, hex_file, results_file in (
    (2010, "odi_constituencies_2010_boundaries.hexjson", "ge2017.csv"),
    (2024, "odi_uk_constituencies_2024_boundaries.hexjson", "ge2024.csv"),
):
    with open(os.path.join(src, "geography", hex_file), encoding="utf-8") as f:
        hexes = json.load(f)
    assert hexes["layout"] == "odd-r"
    with open(os.path.join(out, "elections", results_file), newline="", encoding="utf-8") as f:
        seats = {r["ons_id"]: r for r in csv.DictReader(f)}
    # Five Scottish seats kept their boundaries in 2024 under new codes: match those by name.
    by_name = {r["constituency_name"]: k for k, r in seats.items()}
    hexes = {(k if k in seats else by_name[v["n"]]): v for k, v in hexes["hexes"].items()}
    assert set(seats) == set(hexes), year
    write(
        f"elections/seats_{year}.csv",
        ["gss", "name", "region", "nation", "q", "r"],
        sorted([k, seats[k]["constituency_name"], seats[k]["region_name"], seats[k]["country_name"], v["q"], v["r"]] for k, v in hexes.items()),
    )

# Postcode centroids of the demo area (Derby and the districts around it), for finding the nearest
# marginal seats without an import step.
rows = read("postcodes/de_postcodes_codepoint2014_wgs84.csv")
write(
    "postcodes/derby_area.csv",
    ["postcode", "lat", "lon"],
    [[r["postcode"], r["latitude"], r["longitude"]] for r in rows if r["in_requested_derby_districts"] == "yes"],
)
