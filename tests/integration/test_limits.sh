#!/usr/bin/env bash
# test_limits.sh -- bounds on every input, against a real verwijsd:
#  - a frame above max_frame is answered too_large (id 0) and the connection closed;
#  - a client that sends part of a frame and stalls is cut off after read_timeout;
#  - a client that trickles a frame (a byte every 0.3 s, read_timeout 1) is cut
#    off too: a frame must be complete within read_timeout of its first bytes;
#  - the bytes held of partial frames of all connections together are bounded
#    by max_input_total;
#  - malformed msgpack in a good frame is answered bad_request, connection stays usable;
#  - a client that pipelines requests and never reads does not grow the server's
#    memory without bound (reading stops at output_high_water);
#  - over max_connections a client is answered "overloaded" and closed;
#  - meanwhile well-formed requests on other connections all succeed;
#  - kill -9 during an import leaves the database at its previous committed state.
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"
"$V" gen --geodata "$G" --out "$T" --providers 2000 --seed 3 2>/dev/null
DB="$T/db"
"$V" import pc4 "$G/pc4_centroids.csv" --db "$DB" --skip-invalid 2>/dev/null
"$V" import networks "$T/networks.csv" --db "$DB" 2>/dev/null
"$V" import providers "$T/providers.csv" --db "$DB" 2>/dev/null
cat > "$T/limits.conf" <<CONF
max_frame = 65536
read_timeout = 1
idle_timeout = 30
output_high_water = 65536
max_output = 1048576
max_connections = 40
max_input_total = 65536
CONF
start_daemon "$DB" --config "$T/limits.conf"

PYTHONPATH="$(dirname "$0")" python3 - "$PORT" > "$T/py.out" 2>&1 <<'PY'
import socket, struct, sys, time, os
from vwwire import enc, frame, req, read_frame, closed, Checks
import vwwire
port = int(sys.argv[1])
t = Checks("limits")
check = t.check
def conn(): return vwwire.conn(port)
match = req(1, "match", {"near": "3511", "discipline": "fysiotherapeut", "within": 20.0})

# a good client, used between the misbehaving ones
good = conn()
def good_ok():
    good.sendall(match); b = read_frame(good)
    return b is not None and b'\xa2ok\xc3' in b

# 1. frame above max_frame: too_large, then closed; the body is never read
s = conn(); s.sendall(struct.pack('>I', 2**31))
b = read_frame(s)
check("huge frame answered too_large", b is not None and b'too_large' in b)
check("huge frame: connection closed", closed(s))
check("good client unaffected (1)", good_ok())

# 2. partial frame then silence: cut off after read_timeout (1 s here)
s = conn(); s.sendall(struct.pack('>I', 100) + b'\x84')
t0 = time.time(); c = closed(s)
check("stalled partial frame is closed", c)
check("  ...after about read_timeout", 0.5 < time.time() - t0 < 10)

# 2b. trickling: one byte every 0.3 s keeps the inactivity timer happy, but
# the frame (100 bytes: 30 s at this pace) must be complete within 1 s
s = conn(); s.sendall(struct.pack('>I', 100))
t0 = time.time(); cut = False
while time.time() - t0 < 20:
    time.sleep(0.3)
    try:
        s.sendall(b'\x84')
    except OSError:
        cut = True; break
    s.settimeout(0.01)
    try:
        if s.recv(1) == b'':
            cut = True; break
    except socket.timeout:
        pass
    except OSError:
        cut = True; break
check("trickling client is cut off", cut)
check("  ...within a few read_timeouts (%.1f s)" % (time.time() - t0), time.time() - t0 < 6)
s.close()
check("good client unaffected (2b)", good_ok())

# 2c. max_input_total (64 KiB) counts the bytes held: 39 KB of 40000-byte
# frames on two connections -- the second does not fit and is answered
# overloaded (test_budgets.sh: declared lengths alone do not count)
held = b'\x84' + b'\x00' * 38999
a = conn(); a.sendall(struct.pack('>I', 40000) + held)
time.sleep(0.2)
b2 = conn(); b2.sendall(struct.pack('>I', 40000) + held)
r = read_frame(b2)
check("partial frames above max_input_total: overloaded", r is not None and b'overloaded' in r)
def gone(s):  # closed; a reset too (the rest of its frame was never read)
    try:
        s.settimeout(3)
        return s.recv(1) == b''
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
check("  ...and closed", gone(b2))
a.close()
time.sleep(0.2)
c2 = conn(); c2.sendall(struct.pack('>I', 40000) + held)
c2.settimeout(0.5)
try:
    r = c2.recv(1)
    check("after the first closes, a partial frame fits again", False)
except socket.timeout:
    check("after the first closes, a partial frame fits again", True)
c2.close()
check("good client unaffected (2c)", good_ok())

# 3. malformed msgpack inside a good frame: bad_request, connection stays usable
s = conn(); s.sendall(frame(b'\x84\xa1v\x01\xa2id\xc1'))   # 0xc1 is never valid
b = read_frame(s)
check("malformed body answered bad_request", b is not None and b'bad_request' in b)
s.sendall(frame(b'\xdd\xff\xff\xff\xff'))                   # array32 of 4G entries in 5 bytes
b = read_frame(s)
check("huge declared array answered", b is not None and (b'bad_request' in b or b'too_large' in b))
s.sendall(frame(b'\x81' * 60 + b'\xc0'))                    # nesting deeper than max_depth
b = read_frame(s)
check("deep nesting answered too_large", b is not None and b'too_large' in b)
s.sendall(match); b = read_frame(s)
check("connection still usable after bad requests", b is not None and b'\xa2ok\xc3' in b)
s.close()

# 4. a client that pipelines thousands of requests and never reads
def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1])
pid = int(os.environ["DPID"])
r0 = rss_kb(pid)
s = conn(); s.setblocking(False)
blob = match * 2000
sent = 0
t0 = time.time()
while time.time() - t0 < 3:
    try: sent += s.send(blob[sent % len(blob):])
    except BlockingIOError: time.sleep(0.05)
r1 = rss_kb(pid)
check("non-reading client: the server stops reading (its socket buffers fill)", sent < len(match) * 200000)
check("non-reading client: server memory bounded (< +64 MB)", r1 - r0 < 65536)
check("good client unaffected (4)", good_ok())
s.close()

# 5. connection limit: 40 allowed (good is one), the 41st+ get "overloaded"
extra = [conn() for _ in range(45)]
over = 0
for c in extra:
    c.settimeout(0.5)
    try:
        b = read_frame(c)
        if b and b'overloaded' in b: over += 1
    except socket.timeout:
        pass
check("connections over max_connections are answered overloaded", over >= 5)
for c in extra: c.close()
time.sleep(0.3)
check("good client unaffected (5)", good_ok())
sys.exit(t.done())
PY
rc=$?
cat "$T/py.out"
check "misbehaving clients handled" test "$rc" = 0
check "SIGTERM: exit 0" stop_daemon

# Crash safety: kill -9 in the middle of a large import leaves the previous state.
before=$("$V" db info --db "$DB" | grep -E 'providers')
# (no network memberships, so this import would commit if it were let finish)
"$V" gen --geodata "$G" --out "$T/big" --providers 300000 --networks 0 --seed 4 2>/dev/null
# VW_FAULT_KILL_AT_ROW makes the importer SIGKILL itself after 150000 rows were
# written inside its transaction: a deterministic kill -9 mid-import.
VW_FAULT_KILL_AT_ROW=150000 "$V" import providers "$T/big/providers.csv" --db "$DB" 2>/dev/null
krc=$?
check "the importer was killed mid-import (status $krc)" test "$krc" = 137
after=$("$V" db info --db "$DB" | grep -E 'providers')
check "kill -9 during import: providers unchanged ($before)" test "$before" = "$after"
check "kill -9 during import: database intact" \
  test "$(sqlite3 "$DB" 'pragma integrity_check')" = ok
# The same import, not interrupted, commits: the kill above really cut a good import short.
expect_exit 0 "the uninterrupted import commits" "$V" import providers "$T/big/providers.csv" --db "$DB"
check "300000 providers after the full import" bash -c "'$V' db info --db '$DB' | grep -qE 'providers +300000'"
finish
