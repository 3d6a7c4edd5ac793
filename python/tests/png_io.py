"""8-bit single-channel PNGs (grayscale or palette, not interlaced) with zlib alone, so the tests
need no imaging package: what `r2bench synth` writes and what a model's mask writer would."""
import struct
import zlib

import numpy as np


def write_mask_png(path, mask):
    """mask: H×W uint8/bool → 8-bit grayscale PNG (values as they are)."""
    mask = np.ascontiguousarray(mask, dtype=np.uint8)
    h, w = mask.shape
    raw = b"".join(b"\x00" + mask[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def read_label_png(path):
    """The 8-bit values (palette indexes or gray levels) of a PNG as an H×W uint8 array."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    at, idat = 8, b""
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (0, 3) and interlace == 0, f"{path}: not an 8-bit single-channel PNG"
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw = zlib.decompress(idat)
    out = np.zeros((h, w), np.uint8)
    prev = np.zeros(w, np.int32)
    for y in range(h):
        line = raw[y * (w + 1):(y + 1) * (w + 1)]
        kind, row = line[0], np.frombuffer(line[1:], np.uint8).astype(np.int32)
        cur = np.zeros(w, np.int32)
        for x in range(w):
            a = cur[x - 1] if x else 0
            b, c = prev[x], prev[x - 1] if x else 0
            if kind == 0:
                pred = 0
            elif kind == 1:
                pred = a
            elif kind == 2:
                pred = b
            elif kind == 3:
                pred = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            cur[x] = (row[x] + pred) & 0xFF
        out[y] = cur
        prev = cur
    return out


def png_size(path):
    """(height, width) from the header."""
    with open(path, "rb") as f:
        w, h = struct.unpack(">II", f.read(24)[16:24])
    return h, w
