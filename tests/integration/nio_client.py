"""matrix-nio (Debian's python3-matrix-nio) drives the server: register, login, rooms, sync.

Prints one JSON object with what it observed; nio.test.mjs asserts on it.
Usage: /usr/bin/python3 nio_client.py BASE_URL
"""
import asyncio
import json
import sys

from nio import (AsyncClient, JoinResponse, LoginResponse, RegisterResponse,
                 RoomCreateResponse, RoomMessagesResponse, RoomSendResponse, SyncResponse)


async def main(base):
    out = {}
    alice = AsyncClient(base, "nio_alice")
    bob = AsyncClient(base, "nio_bob")
    try:
        r = await alice.register("nio_alice", "alice-pw", "nio-device")
        out["register"] = type(r).__name__
        r = await bob.register("nio_bob", "bob-pw")
        out["register_bob"] = type(r).__name__
        # Log in again with the password, as a returning client would.
        login = await alice.login("alice-pw", device_name="nio login")
        out["login"] = type(login).__name__
        out["user_id"] = alice.user_id

        created = await alice.room_create(name="nio room", invite=["@nio_bob:localhost"])
        out["create"] = type(created).__name__
        room_id = created.room_id

        first = await bob.sync(timeout=0)
        out["bob_invited"] = room_id in first.rooms.invite
        joined = await bob.join(room_id)
        out["join"] = type(joined).__name__

        sent = await alice.room_send(room_id, "m.room.message",
                                     {"msgtype": "m.text", "body": "hello nio"})
        out["send"] = type(sent).__name__

        nxt = await bob.sync(timeout=5000, since=first.next_batch)
        out["sync"] = type(nxt).__name__
        room = nxt.rooms.join.get(room_id)
        out["bob_bodies"] = [e.body for e in room.timeline.events
                             if getattr(e, "body", None) is not None] if room else []
        out["room_name"] = bob.rooms[room_id].display_name if room_id in bob.rooms else None

        msgs = await bob.room_messages(room_id, start=nxt.next_batch, limit=20)
        out["messages"] = type(msgs).__name__
        out["message_bodies"] = [e.body for e in msgs.chunk if getattr(e, "body", None)]

        # Backward pagination across several pages of 10.
        for i in range(25):
            await alice.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": f"p{i}"})
        latest = await bob.sync(timeout=0, since=nxt.next_batch)
        token, seen, pages = latest.next_batch, [], 0
        while token and pages < 10:
            page = await bob.room_messages(room_id, start=token, limit=10)
            pages += 1
            seen += [e.body for e in page.chunk if getattr(e, "body", None)]
            if not page.chunk or not page.end:
                break
            token = page.end
        out["paged_bodies"] = seen
        out["pages"] = pages
    finally:
        await alice.close()
        await bob.close()
    print(json.dumps(out))


asyncio.run(main(sys.argv[1]))
