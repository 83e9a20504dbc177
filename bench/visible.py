#!/usr/bin/env python3
"""visible.py -- commit -> served (issue 15): how long after a committed
change of one provider the first query sees it. Driven by bench/visible.sh.

Each round commits, in one transaction of the working database, a change of
one provider (name, and every third round its position, which moves it in
the spatial index and possibly to another region) with its change_log row,
then asks the daemon for that provider over the msgpack port (`verwijs
provider ID --json`) until the answer shows the change. Reports median and
max of the rounds in ms, and the daemon's own patch times from its log."""
import json, sqlite3, statistics, subprocess, sys, time

cli, addr, db, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
con = sqlite3.connect(db, isolation_level=None)
ids = [r[0] for r in con.execute("SELECT id FROM providers ORDER BY random() LIMIT ?", (rounds,))]

def served_name(pid):
    out = subprocess.run([cli, "--server", addr, "provider", pid, "--json"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout).get("name")

times = []
for i, pid in enumerate(ids):
    name = "Visible %d %d" % (i, time.time_ns() % 1000000)
    con.execute("BEGIN IMMEDIATE")
    seq = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM change_log").fetchone()[0]
    if i % 3 == 2:
        con.execute("UPDATE providers SET name = ?, lat = lat + 0.01, lon = lon - 0.01 WHERE id = ?",
                    (name, pid))
    else:
        con.execute("UPDATE providers SET name = ? WHERE id = ?", (name, pid))
    con.execute("INSERT INTO change_log(seq, set_id, at, credential, kind, op, record, version, "
                "old, new) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'bench', "
                "'provider', 'update', ?, 1, NULL, NULL)", (seq, seq, pid))
    con.execute("COMMIT")
    t0 = time.monotonic()
    while served_name(pid) != name:
        if time.monotonic() - t0 > 30:
            sys.exit("change of %s not served within 30 s" % pid)
    times.append((time.monotonic() - t0) * 1000)
    time.sleep(0.2)
print(json.dumps({"rounds": len(times), "median_ms": round(statistics.median(times), 1),
                  "max_ms": round(max(times), 1), "min_ms": round(min(times), 1)}))
