"""``digest``: CloudTrail's ``CloudTrail-Digest`` files, recognised only to be skipped (as a
file, or as a document among others); never forced."""

from __future__ import annotations

from typing import Any

from engine.replay.formats.base import Head, InputFormat
from engine.replay.sources import SkipReason

_DIGEST_KEYS = ("digestStartTime", "digestEndTime", "digestSignatureAlgorithm")
_DIGEST_KEY_BYTES = tuple(k.encode() for k in _DIGEST_KEYS)


class Digest(InputFormat):
    name = "digest"
    skip_reason = SkipReason.DIGEST

    def sniff(self, head: Head) -> bool:
        text = head.text
        return (
            text[:1] == b"{" and any(k in text for k in _DIGEST_KEY_BYTES) and b'"logFiles"' in text
        )

    def claims(self, doc: Any) -> bool:
        return isinstance(doc, dict) and any(k in doc for k in _DIGEST_KEYS)


FORMAT = Digest()
