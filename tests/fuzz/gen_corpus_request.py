#!/usr/bin/env python3
"""gen_corpus_request.py -- writes the seed corpus of fuzz_request
(tests/fuzz/corpus/fuzz_request/) with a hand-rolled msgpack encoder, so it
needs nothing but Python 3. Usage: gen_corpus_request.py OUT_DIR"""
import os
import struct
import sys


def pack(o):
    if o is None:
        return b"\xc0"
    if o is True:
        return b"\xc3"
    if o is False:
        return b"\xc2"
    if isinstance(o, int):
        if 0 <= o <= 0x7F:
            return bytes([o])
        if -32 <= o < 0:
            return struct.pack("b", o)
        if 0 <= o <= 0xFFFF:
            return b"\xcd" + struct.pack(">H", o)
        if 0 <= o:
            return b"\xcf" + struct.pack(">Q", o)
        return b"\xd3" + struct.pack(">q", o)
    if isinstance(o, float):
        return b"\xcb" + struct.pack(">d", o)
    if isinstance(o, str):
        o = o.encode()
    if isinstance(o, bytes):  # packed as str (raw bytes allowed for bad UTF-8)
        n = len(o)
        if n < 32:
            return bytes([0xA0 | n]) + o
        return b"\xd9" + bytes([n]) + o
    if isinstance(o, list):
        return bytes([0x90 | len(o)]) + b"".join(pack(x) for x in o)
    if isinstance(o, dict):
        return bytes([0x80 | len(o)]) + b"".join(pack(k) + pack(v) for k, v in o.items())
    raise TypeError(o)


def frame(body):
    return struct.pack(">I", len(body)) + body


def req(i, op, args=None):
    r = {"v": 1, "id": i, "op": op}
    if args is not None:
        r["args"] = args
    return pack(r)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    match = req(1, "match", {"near": "3511AB", "discipline": ["fysiotherapeut", "dietist"],
                             "expertise": "oncologie", "within": 15.5, "limit": 5,
                             "accepting_only": True})
    seeds = {
        "ping": frame(req(1, "ping")),
        "match_pc6": frame(match),
        "match_point": frame(req(2, "match", {"near": [52.09, 5.12], "within": 600,
                                              "limit": 100, "discipline": "psycholoog"})),
        "provider_get": frame(req(3, "provider.get", {"id": "P0000001", "as_of": "2024-02-29"})),
        "pipelined": frame(req(1, "ping")) + frame(match) + frame(req(3, "stats")),
        "truncated_body": frame(match)[:-5],
        "split_header": frame(req(1, "ping")) + b"\x00\x00",
        "oversize_header": b"\x7f\xff\xff\xff" + match,
        "empty_frame": b"\x00\x00\x00\x00",
        "deep_nesting": frame(b"\x81\xa1a" + b"\x91" * 40 + b"\xc0"),
        "bad_utf8": frame(req(4, "match", {"near": b"35\xc0\x80"})),
        "surrogate": frame(req(4, "match", {"near": b"\xed\xa0\x80"})),
        "huge_array32": frame(b"\x81\xa1a\xdd\xff\xff\xff\xff\x01\x02"),
        "wrong_types": frame(req(5, "match", {"near": 3511, "within": "15", "limit": -1,
                                              "accepting_only": 1, "discipline": []})),
        "bad_envelope": frame(pack({"v": 2, "id": -1, "op": 7, "args": [], "x": None})),
        "unknown_arg": frame(req(6, "match", {"near": "3511", "acepting_only": True,
                                              "within": float("nan")})),
        "trailing": frame(req(7, "ping") + b"\xc0"),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
