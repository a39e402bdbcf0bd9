"""The USB token through its PKCS#11 library: the certificates it holds (readable without the PIN), and a
logged-in session that signs digests, kept for one batch so the PIN is asked once."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_ecdsa_signature

from congvan_agent.errors import AgentError

# DER of DigestInfo{sha256, NULL} before the 32 bytes: what PKCS#1 v1.5 signs (RFC 8017 §9.2 note 1).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
# A batch's session closes after this long without a request (the PIN is asked again after).
IDLE_SECONDS = 600

MISSING = (
    pkcs11.exceptions.NoSuchToken,
    pkcs11.exceptions.TokenNotPresent,
    pkcs11.exceptions.TokenNotRecognised,
    pkcs11.exceptions.DeviceRemoved,
    pkcs11.exceptions.DeviceError,
    pkcs11.exceptions.SessionHandleInvalid,
    pkcs11.exceptions.SessionClosed,
)


def missing() -> AgentError:
    """The token is not there (not plugged in, or pulled out while signing)."""
    return AgentError(
        409,
        "token_missing",
        "Không thấy USB token trên máy tính này. Hãy cắm USB token rồi bấm «Tiếp tục ký»; các văn bản đã ký được "
        "giữ nguyên.",
    )


@dataclass(frozen=True)
class Identity:
    """The token's signing certificate (DER) and the others on it (its chain), with the key's id."""

    key_id: bytes
    certificates: list[bytes]


class Token:
    """One PKCS#11 library and the token it is told to use (the first present when no label is given)."""

    def __init__(self, module: str, label: str | None = None) -> None:
        self.library = pkcs11.lib(module)
        self.label = label
        self._open: tuple[str, pkcs11.Session, Any, float] | None = None

    def _token(self) -> pkcs11.Token:
        try:
            found = list(self.library.get_tokens(token_label=self.label) if self.label else self.library.get_tokens())
        except MISSING as exc:
            raise missing() from exc
        if not found:
            raise missing()
        return found[0]

    def present(self) -> str | None:
        """The label of the token in use, or None when none is plugged in."""
        try:
            return str(self._token().label).strip()
        except AgentError:
            return None

    def identity(self) -> Identity:
        """The signing certificate: the one whose id a public key on the token shares (the first one else)."""
        try:
            with self._token().open() as session:
                certificates = [
                    (bytes(c[Attribute.ID]), bytes(c[Attribute.VALUE]))
                    for c in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
                ]
                keys = {bytes(k[Attribute.ID]) for k in session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY})}
        except MISSING as exc:
            raise missing() from exc
        if not certificates:
            raise AgentError(409, "no_certificate", "USB token này không có chứng thư số; hãy dùng token đã được cấp.")
        first = next((c for c in certificates if c[0] in keys), certificates[0])
        return Identity(first[0], [first[1], *(value for key_id, value in certificates if (key_id, value) != first)])

    def signing(self, batch: str, ask_pin: Callable[[], str]) -> Any:
        """The private key, logged in for this batch: the PIN is asked (through `ask_pin`) only when the batch
        has no open session yet; another batch's session is closed first."""
        now = time.monotonic()
        if self._open is not None:
            open_batch, session, key, used = self._open
            if open_batch == batch and now - used < IDLE_SECONDS:
                self._open = (open_batch, session, key, now)
                return key
            self.close()
        identity = self.identity()
        pin = ask_pin()
        if not pin:
            raise AgentError(400, "pin_cancelled", "Chưa nhập mã PIN nên chưa ký; bấm «Tiếp tục ký» để ký lại.")
        try:
            session = self._token().open(user_pin=pin)
        except pkcs11.exceptions.PinIncorrect as exc:
            raise AgentError(
                401, "pin_incorrect", "Mã PIN của USB token không đúng; hãy bấm «Tiếp tục ký» và nhập lại."
            ) from exc
        except pkcs11.exceptions.PinLocked as exc:
            raise AgentError(
                423, "pin_locked", "USB token đã bị khóa do nhập sai mã PIN nhiều lần; hãy liên hệ nơi cấp token."
            ) from exc
        except MISSING as exc:
            raise missing() from exc
        try:
            key = session.get_key(ObjectClass.PRIVATE_KEY, id=identity.key_id)
        except (pkcs11.exceptions.NoSuchKey, pkcs11.exceptions.MultipleObjectsReturned) as exc:
            session.close()
            raise AgentError(409, "no_key", "Không tìm thấy khóa ký ứng với chứng thư trên USB token.") from exc
        self._open = (batch, session, key, now)
        return key

    def sign(self, key: Any, digest: bytes) -> bytes:
        """The signature of a SHA-256 digest: PKCS#1 v1.5 for RSA, DER-encoded ECDSA for EC keys."""
        try:
            if key.key_type == KeyType.EC:
                return encode_ecdsa_signature(key.sign(digest, mechanism=Mechanism.ECDSA))
            return key.sign(SHA256_DIGEST_INFO + digest, mechanism=Mechanism.RSA_PKCS)
        except MISSING as exc:
            self._open = None  # the session went with the token
            raise missing() from exc

    def close(self) -> None:
        """Log out: the next batch asks for the PIN again."""
        if self._open is not None:
            session = self._open[1]
            self._open = None
            with contextlib.suppress(*MISSING):
                session.close()
