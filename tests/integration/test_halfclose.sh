#!/usr/bin/env bash
# test_halfclose.sh -- a connection ends only after every answer to a
# request it sent has been written (issue 14, 3), against a real verwijsd:
#  - 50,000 pipelined pings on the Unix socket, then shutdown(SHUT_WR):
#    exactly 50,000 answers come back, then the server closes;
#  - the same on TCP, and with `match` requests (bigger answers, so the
#    server's output passes output_high_water and backpressure kicks in
#    while the peer has already half-closed);
#  - a half-closed connection with a partial frame left is answered up to
#    it and then closed (the frame can never complete);
#  - an oversized frame after 100 pipelined pings: the 100 answers of the
#    batch come first, then the too_large error, then the close;
#  - a peer that goes away (close without reading) is closed by the server,
#    and the daemon keeps serving others.
. "$(dirname "$0")/lib.sh"
gen_db 1500 7
start_daemon "$DB"

PYTHONPATH="$(dirname "$0")" python3 - "$PORT" "$SOCK" > "$T/py.out" 2>&1 <<'PY'
import socket, struct, sys, threading
from vwwire import req, read_frame, is_ok, Checks
port, sock = int(sys.argv[1]), sys.argv[2]
t = Checks("halfclose")
check = t.check

def connect(kind):
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sock)
    else:
        s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(120)
    return s

def count_answers(s, extra=b''):
    """Frames until EOF; (count, ok count, leftover bytes)."""
    data, n, ok = b'', 0, 0
    while True:
        c = s.recv(1 << 20)
        if not c:
            break
        data += c
        while len(data) >= 4:
            ln = struct.unpack('>I', data[:4])[0]
            if len(data) < 4 + ln:
                break
            n += 1
            ok += is_ok(data[4:4 + ln])
            data = data[4 + ln:]
    return n, ok, len(data)

def pipelined(kind, op, args, count, tail=b''):
    s = connect(kind)
    payload = b''.join(req(i % 100 + 1, op, args) for i in range(count)) + tail
    def send():  # a writer thread: the server's answers must be read meanwhile
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
    w = threading.Thread(target=send); w.start()
    n, ok, left = count_answers(s)
    w.join(); s.close()
    return n, ok, left

for kind in ("unix", "tcp"):
    n, ok, left = pipelined(kind, "ping", {}, 50000)
    check(f"{kind}: 50000 pings then SHUT_WR: {n} answers", n == 50000 and ok == 50000)
    check(f"{kind}: ... then closed cleanly (no partial answer)", left == 0)
    n, ok, left = pipelined(kind, "match", {"near": "3511", "discipline": "fysiotherapeut",
                                           "within": 30.0, "limit": 50}, 5000)
    check(f"{kind}: 5000 matches (past output_high_water) then SHUT_WR: {n} answers",
          n == 5000 and ok == 5000 and left == 0)
    # a partial frame after 100 pings: the 100 are answered, then the close
    n, ok, left = pipelined(kind, "ping", {}, 100, tail=struct.pack('>I', 50) + b'\x84')
    check(f"{kind}: 100 pings + a partial frame then SHUT_WR: {n} answers, then closed",
          n == 100 and ok == 100)
    # an oversized frame after 100 pings (one batch): the 100 answers go out
    # first, then the too_large error, then the close
    n, ok, left = pipelined(kind, "ping", {}, 100, tail=struct.pack('>I', 0xfffffff0))
    check(f"{kind}: 100 pings + an oversized frame: {n} answers (100 ok + the error)",
          n == 101 and ok == 100 and left == 0)

# a peer that sends and goes away without reading
for _ in range(20):
    s = connect("tcp")
    s.sendall(b''.join(req(1, "ping", {}) for _ in range(2000)))
    s.close()
s = connect("unix")
s.sendall(req(7, "ping", {}))
check("serving after peers that vanished", is_ok(read_frame(s)))
sys.exit(t.done())
PY
rc=$?
cat "$T/py.out"
check "half-close" test "$rc" = 0
check "SIGTERM: exit 0" stop_daemon
finish
