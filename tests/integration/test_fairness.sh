#!/usr/bin/env bash
# test_fairness.sh -- one worker, a client pipelining heavy requests, and a
# cheap request on another connection (issue 14, 2), against a real verwijsd:
#  - with workers = 1, 100 `coverage` (networks view) requests in one write
#    on connection A do not hold up a `ping` sent right after on connection
#    B: in the daemon's debug log (one line per request, in the order the
#    worker answers them) at most 2 of A's requests come before B's ping --
#    an order property, no clock involved (heavy ops run in the heavy-op
#    pool, off the worker's event loop, so B never waits behind one; before,
#    the worker ran them inline: 7 came first on the development machine);
#  - A's answers all come back, ok, in request order;
#  - the same with 2000 pipelined cheap requests (`match`): fewer than half
#    of them come before B's ping (the rest of a batch resumes on the next
#    loop pass, after B's I/O);
#  - heavy requests from many connections at once beyond heavy_queue are
#    answered `overloaded` or ok, never lost, and the daemon keeps serving.
. "$(dirname "$0")/lib.sh"
gen_db 3000 11
cat > "$T/fair.conf" <<CONF
workers = 1
heavy_workers = 1
heavy_queue = 4
CONF
start_daemon "$DB" --config "$T/fair.conf"

PYTHONPATH="$(dirname "$0")" python3 - "$PORT" "$T/verwijsd.log" > "$T/py.out" 2>&1 <<'PY'
import socket, struct, sys
from vwwire import req, read_frame, is_ok, Checks
import vwwire
port, log = int(sys.argv[1]), sys.argv[2]
t = Checks("fairness")
check = t.check

def frame_id(body):  # the response's "id" (an unsigned int)
    i = body.find(b'\xa2id')
    if i < 0:
        return None
    v = body[i + 3]
    if v < 0x80:
        return v
    n = {0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8}.get(v)
    return int.from_bytes(body[i + 4:i + 4 + n], 'big') if n else None

def frames(data):
    out = []
    while len(data) >= 4:
        n = struct.unpack('>I', data[:4])[0]
        if len(data) < 4 + n:
            break
        out.append(data[4:4 + n]); data = data[4 + n:]
    return out, data

def ahead_of_probe(op):
    """How many `op` requests the worker answered before the last probe
    (`ping`) in the debug log."""
    lines = open(log).read().splitlines()
    probe = max(i for i, l in enumerate(lines) if " op=ping" in l)
    start = max(i for i, l in enumerate(lines[:probe]) if " op=stats" in l)
    return sum(1 for l in lines[start:probe] if f" op={op}" in l)

def run(name, heavy, count):
    a = vwwire.conn(port, timeout=120)
    b = vwwire.conn(port, timeout=120)
    a.sendall(req(1, "stats", {})); read_frame(a)   # both are served by now;
    b.sendall(req(1, "stats", {})); read_frame(b)   # the log marks the start
    a.sendall(b''.join(req(i + 1, *heavy) for i in range(count)))
    b.sendall(req(2, "ping", {}))
    pong = read_frame(b)
    check(f"{name}: ping on B answered", is_ok(pong))
    got, rest = [], b''
    while len(got) < count:
        c = a.recv(1 << 20)
        if not c:
            break
        more, rest = frames(rest + c)
        got += more
    check(f"{name}: all {count} answers on A", len(got) == count)
    check(f"{name}: A's answers ok", all(is_ok(f) for f in got))
    check(f"{name}: A's answers in request order",
          [frame_id(f) for f in got] == list(range(1, count + 1)))
    b.sendall(req(3, "stats", {})); read_frame(b)   # the ping's log line is out
    ahead = ahead_of_probe(heavy[0])
    print(f"{name}: {ahead} of A's {count} requests answered before B's ping")
    check(f"{name}: B not held up behind A ({ahead} of {count} first, want < {limit_of(count)})",
          ahead < limit_of(count))
    a.close(); b.close()

coverage = ("coverage", {"view": "networks", "within": 30.0})
limit_of = lambda count: 3 if count == 100 else count // 2
run("heavy", coverage, 100)
run("cheap", ("match", {"near": "3511", "discipline": "fysiotherapeut", "within": 20.0,
                        "limit": 50}), 2000)

# Many connections, one heavy request each, at once: heavy_queue (4) bounds
# the waiting ones; every request is answered ok or overloaded.
conns = [vwwire.conn(port, timeout=120) for _ in range(20)]
for i, s in enumerate(conns):
    s.sendall(req(i + 1, *coverage))
answers = [read_frame(s) for s in conns]
ok = sum(1 for r in answers if is_ok(r))
over = sum(1 for r in answers if r is not None and b'overloaded' in r)
print(f"burst: {ok} ok, {over} overloaded of 20")
check("burst: every heavy request answered ok or overloaded", ok + over == 20)
check("burst: ids match", all(frame_id(r) == i + 1 for i, r in enumerate(answers)))
for s in conns:
    s.close()
s = vwwire.conn(port)
s.sendall(req(9, "ping", {}))
check("serving after the burst", is_ok(read_frame(s)))
sys.exit(t.done())
PY
rc=$?
cat "$T/py.out"
check "fair scheduling" test "$rc" = 0
check "SIGTERM: exit 0" stop_daemon
finish
