"""RFC 3161 timestamps: the TSA client every signing path uses, a token over a digest (the audit chain's anchors),
and whether a token covers a digest."""

from __future__ import annotations

import asyncio

from asn1crypto import cms as asn1_cms
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

from signing.errors import SigningError


def tsa_down() -> SigningError:
    """The error every signing path raises when the TSA does not answer (callers apply TSA_FAILURE)."""
    return SigningError("tsa_unavailable", "Máy chủ cấp dấu thời gian (TSA) không phản hồi.")


def http_timestamper(url: str, timeout: float = 10) -> TimeStamper:
    """An RFC 3161 client of the configured TSA."""
    return RequestsHTTPTimeStamper(url, timeout=timeout)


def timestamp_token(url: str, digest: bytes, timeout: float = 10) -> bytes:
    """An RFC 3161 timestamp token (DER) over a SHA-256 digest, from the TSA at url."""
    try:
        token = asyncio.run(http_timestamper(url, timeout).async_timestamp(digest, "sha256"))
    except (TimestampRequestError, OSError) as exc:  # requests' errors are OSErrors
        raise tsa_down() from exc
    return bytes(token.dump())


def token_covers(token: bytes, digest: bytes) -> bool:
    """Whether a timestamp token's message imprint is this SHA-256 digest."""
    try:
        info = asn1_cms.ContentInfo.load(token)
        tst = info["content"]["encap_content_info"]["content"].parsed
        imprint = tst["message_imprint"]
        return bool(
            imprint["hash_algorithm"]["algorithm"].native == "sha256" and imprint["hashed_message"].native == digest
        )
    except (ValueError, KeyError, TypeError):
        return False
