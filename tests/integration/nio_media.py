#!/usr/bin/python3
"""matrix-nio (Debian's python3-matrix-nio 0.20) against the media repository: upload, then
download and thumbnail. nio 0.20 downloads through the unauthenticated /_matrix/media/r0 paths,
so what it gets depends on the server's [media] unauthenticated setting.

usage: nio_media.py HOMESERVER USER PASSWORD  -> one JSON line
"""
import asyncio
import io
import json
import sys

from nio import AsyncClient, ResizingMethod
from PIL import Image


async def main(url, user, password):
    client = AsyncClient(url, user)
    out = {}
    try:
        login = await client.login(password)
        out["login"] = type(login).__name__
        buf = io.BytesIO()
        Image.new("RGB", (640, 480), (200, 30, 30)).save(buf, "PNG")
        data = buf.getvalue()
        up, _ = await client.upload(lambda *_: io.BytesIO(data), content_type="image/png",
                                    filename="red.png", filesize=len(data))
        out["upload"] = type(up).__name__
        uri = getattr(up, "content_uri", None)
        out["content_uri"] = uri
        dl = await client.download(mxc=uri)
        out["download"] = type(dl).__name__
        out["download_same"] = getattr(dl, "body", None) == data
        out["download_filename"] = getattr(dl, "filename", None)
        out["download_status"] = getattr(dl, "status_code", None)
        server, media = uri[len("mxc://"):].split("/", 1)
        th = await client.thumbnail(server, media, 96, 96, ResizingMethod.crop)
        out["thumbnail"] = type(th).__name__
        if hasattr(th, "body"):
            out["thumbnail_size"] = list(Image.open(io.BytesIO(th.body)).size)
    finally:
        await client.close()
    print(json.dumps(out))


asyncio.run(main(*sys.argv[1:4]))
