"""Verifying a Pollster notification in Python (standard library only).

Same rules as examples/signatures.ts: sign the raw request bytes with the instance's
event.notification.signature.key.

    python3 examples/signatures.py    # prints the test vectors
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time


def elements_signature(key: str, raw_body: bytes) -> str:
    """The value of Elements-Webhook-Signature: sha256=<base64 HMAC-SHA256 of the body>."""
    mac = hmac.new(key.encode("utf-8"), raw_body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode("ascii")


def verify_elements_signature(key: str, raw_body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(header, elements_signature(key, raw_body))


def standard_webhook_signature(key: str, msg_id: str, timestamp: str, raw_body: bytes) -> str:
    """Standard Webhooks v1: HMAC-SHA256 over "<id>.<timestamp>.<body>"; a whsec_ key is base64."""
    secret = base64.b64decode(key[len("whsec_"):]) if key.startswith("whsec_") else key.encode("utf-8")
    signed = msg_id.encode("utf-8") + b"." + timestamp.encode("ascii") + b"." + raw_body
    return "v1," + base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode("ascii")


def verify_standard_webhook(key: str, headers: dict, raw_body: bytes, tolerance_sec: int = 300) -> bool:
    """headers: the request headers, names in lower case (webhook-id, webhook-timestamp, webhook-signature)."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not msg_id or not timestamp or not signatures or not timestamp.isdigit():
        return False
    if abs(time.time() - int(timestamp)) > tolerance_sec:
        return False
    expected = standard_webhook_signature(key, msg_id, timestamp, raw_body)
    return any(hmac.compare_digest(candidate, expected) for candidate in signatures.split(" "))


if __name__ == "__main__":
    body = b'{"message":{"eventId":"35149","events":[]}}'
    print("Elements-Webhook-Signature:", elements_signature("MySecretEventSignatureKey", body))
    print("webhook-signature:         ",
          standard_webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                     "1614265330", b'{"test": 2432232314}'))
