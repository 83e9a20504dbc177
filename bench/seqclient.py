# seqclient.py -- N match requests one after another on one keep-alive
# connection, over msgpack (mp) or HTTP/JSON (http), from a vwload queries
# file; checks each answer is complete (and HTTP 200). For instruction counts
# (bench/http.sh --callgrind), where the client's own speed does not matter.
# CYCLE (optional): only the first CYCLE queries, over and over (a warm
# answer cache: the difference of two runs counts only repeated queries).
#   python3 bench/seqclient.py mp|http PORT N QUERIES [CYCLE]
import socket, struct, sys
proto, port, n, qf = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cycle = int(sys.argv[5]) if len(sys.argv) > 5 else n
qs = [l.strip().split(',') for l in open(qf)][:min(n, cycle)]
while len(qs) < n: qs += qs
qs = qs[:n]
s = socket.create_connection(('127.0.0.1', port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
def mstr(x):
    b = x.encode(); return bytes([0xa0 | len(b)]) + b
buf = b''
def recv_exact(k):
    global buf
    while len(buf) < k:
        d = s.recv(65536)
        if not d: raise SystemExit('closed')
        buf += d
    r = buf[:k]; buf = buf[k:]; return r
total = 0
for i, q in enumerate(qs):
    pc4, disc, exp, mins, k = q[0].zfill(4), q[3], q[4], float(q[5]), int(q[7])
    if proto == 'mp':
        args = bytes([0x85]) + mstr('near') + mstr(pc4) + mstr('discipline') + mstr(disc) + mstr('expertise') + mstr(exp) + mstr('within') + b'\xcb' + struct.pack('>d', mins) + mstr('limit') + bytes([k])
        body = bytes([0x84]) + mstr('v') + b'\x01' + mstr('id') + b'\xce' + struct.pack('>I', i) + mstr('op') + mstr('match') + mstr('args') + args
        s.sendall(struct.pack('>I', len(body)) + body)
        l = struct.unpack('>I', recv_exact(4))[0]; recv_exact(l); total += l
    else:
        req = ('GET /v1/match?near=%s&discipline=%s&expertise=%s&within=%g&limit=%d HTTP/1.1\r\nHost: x\r\n\r\n' % (pc4, disc, exp, mins, k)).encode()
        s.sendall(req)
        while b'\r\n\r\n' not in buf:
            d = s.recv(65536)
            if not d: raise SystemExit('closed')
            buf += d
        h, _, rest = buf.partition(b'\r\n\r\n'); buf = rest
        if not h.startswith(b'HTTP/1.1 200'): raise SystemExit(h[:200])
        cl = [int(x.split(b':')[1]) for x in h.split(b'\r\n') if x.lower().startswith(b'content-length')][0]
        recv_exact(cl); total += cl
print(proto, n, 'answer bytes avg', total / n)
