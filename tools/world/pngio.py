"""Minimal PNG writer (8-bit RGB) and a contact-sheet helper; numpy + zlib only."""
import struct
import zlib

import numpy as np


def write_png(path, rgb: np.ndarray) -> None:
    """Write a uint8 [H, W, 3] array as a PNG file."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rgb.reshape(h, w * 3)], axis=1).tobytes()

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


def grid(rows, pad: int = 2, scale: int = 1) -> np.ndarray:
    """Tile a list of rows (each a list of uint8 [H, W, 3] frames) into one image; `scale` < 1 not supported,
    use `downscale` first."""
    h, w = rows[0][0].shape[:2]
    ncol = max(len(r) for r in rows)
    out = np.full((len(rows) * (h + pad) + pad, ncol * (w + pad) + pad, 3), 255, np.uint8)
    for i, r in enumerate(rows):
        for j, im in enumerate(r):
            y, x = pad + i * (h + pad), pad + j * (w + pad)
            out[y:y + h, x:x + w] = im
    return out


def downscale(img: np.ndarray, k: int) -> np.ndarray:
    """Box-filter downscale by an integer factor."""
    h, w, c = img.shape
    return img[: h // k * k, : w // k * k].reshape(h // k, k, w // k, k, c).mean(axis=(1, 3)).astype(np.uint8)
