"""tt_check.py -- travel-time matrices through a real verwijsd: an
independent reference of docs/ENGINE.md "Travel times" (a scan of every
provider in Python) against /v1/match, on random queries.

  tt_check.py gen PC4_CSV OUT_DIR SEED      writes car.csv (FROMPC4 spelling),
                                            bike.csv, bad.csv
  tt_check.py check HTTP_PORT PC4_CSV PROVIDERS_CSV CAR_CSV BIKE_CSV N SEED
"""
import csv
import json
import math
import random
import sys
import urllib.request

R = 6371.0088
MODEL = {"car": (1.35, 40.0), "bike": (1.25, 15.0), "walk": (1.20, 4.8)}


def km(a, b, c, d):
    rad = math.pi / 180.0
    s1 = math.sin((c - a) * rad * 0.5)
    s2 = math.sin((d - b) * rad * 0.5)
    h = s1 * s1 + math.cos(a * rad) * math.cos(c * rad) * s2 * s2
    return 2.0 * R * math.asin(math.sqrt(min(h, 1.0)))


def read_pc4(path):
    out = {}
    with open(path, encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            lat, lon = float(r["lat"]), float(r["lon"])
            if 50.70 <= lat <= 53.70 and 3.30 <= lon <= 7.30:  # as import pc4 (vw_geo_in_nl)
                out[int(r["pc4"])] = (lat, lon)
    return out


def gen(pc4_csv, out, seed):
    rnd = random.Random(seed)
    pc = read_pc4(pc4_csv)
    codes = sorted(pc)
    # a coarse grid so each origin only looks at its neighbours
    grid = {}
    for c in codes:
        grid.setdefault((int(pc[c][0] / 0.2), int(pc[c][1] / 0.3)), []).append(c)
    with open(out + "/car.csv", "w") as fc, open(out + "/bike.csv", "w") as fb:
        fc.write("FROMPC4,TOPC4,TIME,DISTANCE\n")
        fb.write("from_pc4,to_pc4,minutes\n")
        for a in codes:
            la, lo = pc[a]
            gi, gj = int(la / 0.2), int(lo / 0.3)
            near = [b for di in (-1, 0, 1) for dj in (-1, 0, 1) for b in grid.get((gi + di, gj + dj), [])]
            for b in sorted(near):
                d = km(la, lo, pc[b][0], pc[b][1])
                if d > 20:
                    continue
                if a == b and a % 3 == 0:
                    continue  # some diagonals absent: the model's
                # car: roads are slower than the model near the coast (a
                # "river" at lat 52.0 costs 20 minutes to cross)
                t = 1.5 + d * 1.3 / 45 * 60 * (1 + 0.4 * rnd.random())
                if (la < 52.0) != (pc[b][0] < 52.0):
                    t += 20
                if a % 7 != 0 and rnd.random() < 0.97:  # partial: some rows and pairs absent
                    fc.write("%d,%d,%.1f,%.2f\n" % (a, b, round(t), d * 1.3))
                if d <= 8 and a % 2 == 0:
                    tb = 1 + d * 1.25 / 16 * 60 * (1 + 0.2 * rnd.random())
                    fb.write("%d,%d,%.1f\n" % (a, b, tb))
    with open(out + "/bad.csv", "w") as f:
        f.write("from_pc4,to_pc4,minutes,km\n")
        f.write("3511,3512,4.0,1.5\n")   # 2: ok
        f.write("3511,0999,4.0,\n")      # 3: not 4 digits in the table
        f.write("3511,1234,4.0,\n")      # 4: maybe unknown (checked by the test)
        f.write("3511,3513,-1,\n")       # 5: negative
        f.write("3511,3514,nan,\n")      # 6: not a number
        f.write("3511,9999,5.0,\n")      # 7: unknown PC4 9999
        f.write("1011,9711,10,\n")       # 8: Amsterdam - Groningen in 10 min: too fast
        f.write("3511,3512,4.5,\n")      # 9: duplicate of line 2
        f.write("3511,3515,6.0,-3\n")    # 10: negative km


def load_matrix(path):
    m = {}
    with open(path) as f:
        rd = csv.reader(f)
        next(rd)
        for r in rd:
            m[(int(r[0]), int(r[1]))] = int(float(r[2]) * 10 + 0.5)
    return m


def nearest(pc, codes, lat, lon):
    best, bk = None, None
    for c in codes:  # ascending: ties go to the lower PC4
        d = km(lat, lon, pc[c][0], pc[c][1])
        if bk is None or d < bk:
            best, bk = c, d
    return best


def check(port, pc4_csv, prov_csv, car_csv, bike_csv, n, seed):
    rnd = random.Random(seed)
    pc = read_pc4(pc4_csv)
    codes = sorted(pc)
    mats = {"car": load_matrix(car_csv), "bike": load_matrix(bike_csv), "walk": None}
    provs = []
    with open(prov_csv, encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            p4 = r["postcode"][:4]
            if r["lat"] == "":  # geocoded by the import: at its PC4's centroid
                lat, lon = pc[int(p4)]
            else:
                lat, lon = float(r["lat"]), float(r["lon"])
            p4 = int(p4) if p4.isdigit() and int(p4) in pc else nearest(pc, codes, lat, lon)
            provs.append((r["id"], r["discipline"], lat, lon, p4))
    discs = sorted({p[1] for p in provs})
    bad = 0
    sources = {"matrix": 0, "model": 0}
    for q in range(n):
        mode = ("car", "bike", "walk")[q % 3]
        c = codes[rnd.randrange(len(codes))]
        if rnd.random() < 0.5:
            near, lat, lon = "%04d" % c, pc[c][0], pc[c][1]
            o4 = c
        else:
            lat = round(pc[c][0] + rnd.uniform(-0.02, 0.02), 6)
            lon = round(pc[c][1] + rnd.uniform(-0.03, 0.03), 6)
            near = "%.6f,%.6f" % (lat, lon)
            o4 = nearest(pc, codes, lat, lon)
        disc = discs[rnd.randrange(len(discs))]
        within = rnd.choice([None, 10, 15, 25, 45])
        limit = rnd.randrange(1, 25)
        url = "http://127.0.0.1:%d/v1/match?near=%s&discipline=%s&mode=%s&limit=%d" % (
            port, near, disc, mode, limit)
        if within is not None:
            url += "&within=%d" % within
        got = json.load(urllib.request.urlopen(url))
        det, sp = MODEL[mode]
        mat = mats[mode]
        exp = []
        for (pid, d, plat, plon, p4) in provs:
            if d != disc:
                continue
            k = km(lat, lon, plat, plon)
            if mat is not None and (o4, p4) in mat:
                t, src = mat[(o4, p4)] / 10.0, "matrix"
            else:
                t, src = k * det / sp * 60.0, "model"
            if within is not None and not t <= within:
                continue
            exp.append((t, k, pid, src))
        exp.sort()
        exp = exp[:limit]
        g = got["providers"]
        want_tt = "matrix" if mat is not None else "model"
        ok = got.get("travel_times") == want_tt and len(g) == len(exp) and all(
            x["id"] == e[2] and x["time_source"] == e[3] and
            abs(x["minutes"] - e[0]) <= 1e-9 * max(1.0, e[0])
            for x, e in zip(g, exp))
        for x in g:
            sources[x["time_source"]] += 1
        if not ok:
            bad += 1
            if bad <= 3:
                print("mismatch:", url, [(x["id"], x["minutes"], x["time_source"]) for x in g][:5],
                      exp[:5], file=sys.stderr)
    print("%d queries, %d mismatches, sources %s" % (n, bad, sources))
    return 0 if bad == 0 and sources["matrix"] > 50 and sources["model"] > 50 else 1


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(check(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6],
                       int(sys.argv[7]), int(sys.argv[8])))
