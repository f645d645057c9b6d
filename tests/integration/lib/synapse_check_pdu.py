#!/usr/bin/python3
"""Checks a PDU with Synapse's own code (the ../shared/peers/synapse tree on PYTHONPATH):
its content hash, the origin's signature over its redacted form, and its event id.

  synapse_check_pdu.py ROOM_VERSION SERVER KEY_ID KEY_BASE64 < pdu.json
prints {"hash_ok": bool, "signature_ok": bool, "event_id": "$…"} as JSON.
"""
import json
import sys

from signedjson.key import decode_verify_key_bytes
from signedjson.sign import SignatureVerifyException, verify_signed_json
from synapse.api.room_versions import KNOWN_ROOM_VERSIONS
from synapse.crypto.event_signing import check_event_content_hash, compute_event_reference_hash
from synapse.events import make_event_from_dict
from synapse.events.utils import prune_event_dict
from unpaddedbase64 import decode_base64, encode_base64


def main():
    version, server, key_id, key_b64 = sys.argv[1:5]
    pdu = json.load(sys.stdin)
    room_version = KNOWN_ROOM_VERSIONS[version]
    event = make_event_from_dict(dict(pdu), room_version)
    hash_ok = check_event_content_hash(event)
    key = decode_verify_key_bytes(key_id, decode_base64(key_b64))
    try:
        verify_signed_json(prune_event_dict(room_version, dict(pdu)), server, key)
        signature_ok = True
    except SignatureVerifyException:
        signature_ok = False
    _, digest = compute_event_reference_hash(event)
    print(json.dumps({"hash_ok": hash_ok, "signature_ok": signature_ok,
                      "event_id": "$" + encode_base64(digest, urlsafe=True)}))


main()
