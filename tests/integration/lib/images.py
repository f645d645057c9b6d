#!/usr/bin/python3
"""Real images for the media tests, made and inspected with Pillow (python3-pil).

  images.py make KIND OUT      KIND: jpeg-rotated (1200x800 stored, EXIF orientation 6),
                               png-alpha (600x400 RGBA), gif-animated (3 frames, 200x200),
                               webp (500x300), jpeg-truncated, png-bomb (50000x50000 header)
  images.py inspect FILE       prints {"format","width","height","frames","mode"} as JSON
"""
import io
import json
import struct
import sys
import zlib

from PIL import Image


def gradient(w, h, mode="RGB"):
    im = Image.new(mode, (w, h))
    px = im.load()
    for y in range(0, h):
        for x in range(0, w):
            v = (x * 255 // max(1, w - 1), y * 255 // max(1, h - 1), 128)
            px[x, y] = v + (200,) if mode == "RGBA" else v
    return im


def png_bomb():
    # A valid PNG header claiming 50000x50000 greyscale pixels, followed by a few compressed
    # rows: decoders that trust the header allocate 2.5 GB.
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (50001 * 4))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def make(kind, out):
    if kind == "png-bomb":
        open(out, "wb").write(png_bomb())
        return
    buf = io.BytesIO()
    if kind == "jpeg-rotated":
        im = gradient(1200, 800)
        exif = Image.Exif()
        exif[0x0112] = 6  # rotate 90 degrees clockwise to display: 800 wide, 1200 high
        im.save(buf, "JPEG", exif=exif.tobytes(), quality=85)
    elif kind == "png-alpha":
        gradient(600, 400, "RGBA").save(buf, "PNG")
    elif kind == "gif-animated":
        frames = [Image.new("RGB", (200, 200), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
        frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    elif kind == "webp":
        gradient(500, 300).save(buf, "WEBP")
    elif kind == "jpeg-truncated":
        gradient(800, 800).save(buf, "JPEG")
        data = buf.getvalue()
        buf = io.BytesIO(data[: len(data) // 2])
    else:
        raise SystemExit("unknown kind " + kind)
    open(out, "wb").write(buf.getvalue())


def inspect(path):
    im = Image.open(path)
    print(json.dumps({"format": im.format, "width": im.width, "height": im.height,
                      "frames": getattr(im, "n_frames", 1), "mode": im.mode}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    else:
        inspect(sys.argv[2])
