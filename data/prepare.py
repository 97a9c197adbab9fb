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
    [[r["pcon13cd"], r["pcon13nm"], r["region_name"], r["country_name"], r["centroid_lat"], r["centroid_lon"]] for r in rows],
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
