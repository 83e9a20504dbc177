#!/usr/bin/env python3
"""iza_regions_2024.py -- derives the 2024 municipality rows of iza_regions.csv
from its 2015 rows: each 2024 municipality goes to the region that most of
its area had under the 2015 assignment (COROP rows and 2015 municipality
overrides), judged on a grid of points inside its polygon (up to 24 x 24 per
municipality) against the 2015 municipality polygons. Municipalities with
more than 5% of their area in another region (mergers across a COROP line:
Amsterdam with Weesp, Vijfheerenlanden, Oisterwijk with Haaren) are listed on
stderr with their shares.

usage: iza_regions_2024.py GEMEENTE_2015.geojson GEMEENTE_2024.geojson IZA_REGIONS.csv
Prints the rows (area,region,name,set) on stdout. Standard library only."""
import csv
import json
import sys


def rings(geom):
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    return polys


def inside(polys, x, y):
    """Even-odd rule over every ring of every polygon (holes included)."""
    c = False
    for poly in polys:
        for ring in poly:
            n = len(ring)
            j = n - 1
            for i in range(n):
                xi, yi = ring[i]
                xj, yj = ring[j]
                if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                    c = not c
                j = i
    return c


def bbox(polys):
    xs = [p[0] for poly in polys for ring in poly for p in ring]
    ys = [p[1] for poly in polys for ring in poly for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def main():
    g15, g24, table = sys.argv[1:4]
    rows = {}
    for line in open(table):
        if line.startswith("#") or not line.strip() or line.startswith("area,"):
            continue
        f = line.rstrip("\n").split(",")
        if len(f) < 4 or f[3] in ("", "2015"):
            rows[f[0]] = f[1]
    m15 = []
    for ft in json.load(open(g15))["features"]:
        p = ft["properties"]
        region = rows.get(p["statcode"]) or rows.get(p["corop_gebied"])
        polys = rings(ft["geometry"])
        m15.append((region, polys, bbox(polys)))
    out = []
    for ft in json.load(open(g24))["features"]:
        p = ft["properties"]
        code, name = p["gemeentecode"], p["gemeentenaam"]
        if code == "GM0998":  # Buitenland: not a Dutch municipality
            continue
        polys = rings(ft["geometry"])
        x0, y0, x1, y1 = bbox(polys)
        votes = {}
        steps = 24
        for a in range(steps):
            for b in range(steps):
                x = x0 + (a + 0.5) * (x1 - x0) / steps
                y = y0 + (b + 0.5) * (y1 - y0) / steps
                if not inside(polys, x, y):
                    continue
                for region, q, (qx0, qy0, qx1, qy1) in m15:
                    if qx0 <= x <= qx1 and qy0 <= y <= qy1 and inside(q, x, y):
                        votes[region] = votes.get(region, 0) + 1
                        break
        if not votes:
            sys.exit("no 2015 municipality under %s %s" % (code, name))
        best = max(sorted(votes), key=lambda r: votes[r])
        total = sum(votes.values())
        if votes[best] < 0.95 * total:  # below that: generalisation noise at the borders
            print("%s %s: split %s" % (code, name, {r: round(v / total, 2) for r, v in votes.items()}),
                  file=sys.stderr)
        out.append((code, best, name))
    for code, region, name in sorted(out):
        print("%s,%s,%s,2024" % (code, region, name.replace(",", " ")))


if __name__ == "__main__":
    main()
