#!/usr/bin/env python3
"""redis_records.py -- the benchmark's provider export as Redis commands (RESP).

    python3 bench/redis_records.py providers.csv | redis-cli -p PORT --pipe

providers.csv is the export bench/run.sh makes from verwijsd's SQLite database
(header: id,name,discipline,expertise,lat,lon,... ; expertise ';'-separated,
the tags valid on the day of the run). Per provider: GEOADD to
geo:<discipline> and geo:<discipline>:<tag> for each tag (what Redis
GEOSEARCH bare ids and the records script search), and HSET p:<id> with every
non-empty column (the record the records script returns with HGETALL).
Reads its input once, writes to stdout; no network of its own."""
import csv
import sys


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def main():
    if len(sys.argv) != 2:
        print("usage: redis_records.py providers.csv", file=sys.stderr)
        return 2
    w = sys.stdout.buffer
    with open(sys.argv[1], newline="") as f:
        for row in csv.DictReader(f):
            keys = ["geo:" + row["discipline"]]
            keys += ["geo:%s:%s" % (row["discipline"], t) for t in row["expertise"].split(";") if t]
            for k in keys:
                w.write(resp("GEOADD", k, row["lon"], row["lat"], row["id"]))
            fields = []
            for k, v in row.items():
                if v != "":
                    fields += [k, v]
            w.write(resp("HSET", "p:" + row["id"], *fields))
    return 0


if __name__ == "__main__":
    sys.exit(main())
