"""vwwire.py -- a minimal client of the verwijsd wire protocol for the
integration tests: a msgpack encoder for the types requests use, framing
(4-byte big-endian length), and blocking socket helpers. Raw bytes on
purpose: the tests must be able to send what a correct client never would."""
import socket
import struct


def enc(o):
    if o is True:
        return b'\xc3'
    if o is False:
        return b'\xc2'
    if isinstance(o, int):
        return bytes([o]) if 0 <= o < 128 else b'\xcf' + struct.pack('>Q', o)
    if isinstance(o, float):
        return b'\xcb' + struct.pack('>d', o)
    if isinstance(o, str):
        b = o.encode()
        return bytes([0xa0 | len(b)]) + b if len(b) < 32 else b'\xd9' + bytes([len(b)]) + b
    if isinstance(o, list):
        return bytes([0x90 | len(o)]) + b''.join(enc(x) for x in o)
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
