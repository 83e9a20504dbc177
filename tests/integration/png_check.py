#!/usr/bin/env python3
"""png_check.py FILE -- decodes an 8-bit RGB/RGBA PNG (as rsvg-convert writes it)
with the standard library and prints how many pixels have the map's colours:
covered (#cfe8cf), uncovered (#d7301f), provider (#08519c), white and other.
Exits 1 unless the map is not blank: covered and uncovered areas both present."""
import struct, sys, zlib

def decode(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, w = 8, b'', 0
    while pos < len(data):
        n, typ = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            assert depth == 8 and ctype in (2, 6), 'unsupported PNG type'
            bpp = 3 if ctype == 2 else 4
        elif typ == b'IDAT':
            idat += body
        pos += 12 + n
    raw, stride = zlib.decompress(idat), w * bpp
    prev, rows, i = bytearray(stride), [], 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows

def near(px, rgb):
    return all(abs(px[k] - rgb[k]) <= 12 for k in range(3))

w, h, bpp, rows = decode(sys.argv[1])
colours = {'covered': (0xcf, 0xe8, 0xcf), 'uncovered': (0xd7, 0x30, 0x1f),
           'provider': (0x08, 0x51, 0x9c), 'white': (255, 255, 255)}
count = dict.fromkeys(colours, 0)
count['other'] = 0
for row in rows[::2]:
    for x in range(0, w, 2):
        px = row[x * bpp:x * bpp + 3]
        for name, rgb in colours.items():
            if near(px, rgb):
                count[name] += 1
                break
        else:
            count['other'] += 1
print(f'{w}x{h}', ' '.join(f'{k}={v}' for k, v in count.items()))
sys.exit(0 if count['covered'] > 1000 and count['uncovered'] > 50 else 1)
