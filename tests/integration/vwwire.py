"""vwwire.py -- a minimal client of the verwijsd wire protocol for the
integration tests: a msgpack encoder for the types requests use, framing
(4-byte big-endian length), and blocking socket helpers. Raw bytes on
purpose: the tests must be able to send what a correct client never would."""
import socket
import struct


def enc(o):
    if o is None:
        return b'\xc0'
    if o is True:
        return b'\xc3'
    if o is False:
        return b'\xc2'
    if isinstance(o, int):
        if o < 0:
            return b'\xd3' + struct.pack('>q', o)
        return bytes([o]) if o < 128 else b'\xcf' + struct.pack('>Q', o)
    if isinstance(o, float):
        return b'\xcb' + struct.pack('>d', o)
    if isinstance(o, str):
        b = o.encode()
        if len(b) < 32:
            return bytes([0xa0 | len(b)]) + b
        return (b'\xd9' + bytes([len(b)]) if len(b) < 256 else b'\xda' + struct.pack('>H', len(b))) + b
    if isinstance(o, list):
        head = bytes([0x90 | len(o)]) if len(o) < 16 else b'\xdc' + struct.pack('>H', len(o))
        return head + b''.join(enc(x) for x in o)
    if isinstance(o, dict):
        return bytes([0x80 | len(o)]) + b''.join(enc(k) + enc(v) for k, v in o.items())
    raise TypeError(type(o))


def frame(body):
    return struct.pack('>I', len(body)) + body


def req(i, op, args):
    return frame(enc({"v": 1, "id": i, "op": op, "args": args}))


def conn(port, timeout=5):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(timeout)
    return s


def read_frame(s):
    """One response body, or None when the connection closed first."""
    h = b''
    while len(h) < 4:
        c = s.recv(4 - len(h))
        if not c:
            return None
        h += c
    n = struct.unpack('>I', h)[0]
    b = b''
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            return None
        b += c
    return b


def closed(s, wait=3):
    try:
        s.settimeout(wait)
        return s.recv(1) == b''
    except (ConnectionResetError, socket.timeout):
        return False


def dec(b, i=0):
    """Decodes one msgpack value at b[i:]: (value, next index). Maps keep
    their order (a dict), so tests can check the order of keys too."""
    t = b[i]
    def n(fmt, k):
        return struct.unpack('>' + fmt, b[i + 1:i + 1 + k])[0], i + 1 + k
    def seq(cnt, j, is_map):
        out = {} if is_map else []
        for _ in range(cnt):
            k, j = dec(b, j)
            if is_map:
                v, j = dec(b, j)
                out[k] = v
            else:
                out.append(k)
        return out, j
    def raw(cnt, j, text):
        v = b[j:j + cnt]
        return (v.decode() if text else v), j + cnt
    if t < 0x80:
        return t, i + 1
    if t >= 0xe0:
        return t - 0x100, i + 1
    if 0x80 <= t <= 0x8f:
        return seq(t & 0x0f, i + 1, True)
    if 0x90 <= t <= 0x9f:
        return seq(t & 0x0f, i + 1, False)
    if 0xa0 <= t <= 0xbf:
        return raw(t & 0x1f, i + 1, True)
    simple = {0xc0: None, 0xc2: False, 0xc3: True}
    if t in simple:
        return simple[t], i + 1
    nums = {0xca: ('f', 4), 0xcb: ('d', 8), 0xcc: ('B', 1), 0xcd: ('H', 2), 0xce: ('I', 4),
            0xcf: ('Q', 8), 0xd0: ('b', 1), 0xd1: ('h', 2), 0xd2: ('i', 4), 0xd3: ('q', 8)}
    if t in nums:
        return n(*nums[t])
    lens = {0xd9: ('B', 1, 's'), 0xda: ('H', 2, 's'), 0xdb: ('I', 4, 's'),
            0xc4: ('B', 1, 'b'), 0xc5: ('H', 2, 'b'), 0xc6: ('I', 4, 'b'),
            0xdc: ('H', 2, 'a'), 0xdd: ('I', 4, 'a'), 0xde: ('H', 2, 'm'), 0xdf: ('I', 4, 'm')}
    if t in lens:
        fmt, k, kind = lens[t]
        cnt, j = n(fmt, k)
        if kind in 'sb':
            return raw(cnt, j, kind == 's')
        return seq(cnt, j, kind == 'm')
    raise ValueError('msgpack type 0x%02x not decoded' % t)


def call(s, i, op, args):
    """Sends one request and returns (raw response body, decoded response)."""
    s.sendall(req(i, op, args))
    body = read_frame(s)
    return body, (dec(body)[0] if body is not None else None)


def is_ok(body):
    return body is not None and b'\xa2ok\xc3' in body


class Checks:
    def __init__(self, name):
        self.name, self.ok, self.fail = name, 0, 0

    def check(self, what, cond):
        if cond:
            self.ok += 1
        else:
            self.fail += 1
            print("FAIL:", what)

    def done(self):
        print(f"{self.name}: {self.ok} passed, {self.fail} failed")
        return 1 if self.fail else 0
