"""Personal data at rest: Fernet encryption of answers, keyed hashes of identifiers.

FIELD_ENCRYPTION_KEY may list several comma-separated Fernet keys: the first encrypts,
all decrypt (key rotation: put the new key first, re-encrypt, then drop the old one).
HASH_KEY keys the HMAC-SHA256 hashes used to match passport numbers (watchlist) and to
check the last four characters (status) without storing either.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any, Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from backend.config import Settings

_SPACES = re.compile(r"[\s\-]+")


class DecryptionError(RuntimeError):
    """A stored token cannot be read with any configured key."""


def normalise_identifier(value: str) -> str:
    """The canonical form hashed for passport numbers: upper case, no spaces or hyphens."""
    return _SPACES.sub("", str(value)).upper()


class Crypto:
    def __init__(self, encryption_keys: str, hash_key: str) -> None:
        keys = [k.strip() for k in encryption_keys.split(",") if k.strip()]
        self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in keys])
        self._hash_key = hash_key.encode("utf-8")

    @classmethod
    def from_settings(cls, settings: Settings) -> Crypto:
        return cls(settings.field_encryption_key, settings.hash_key)

    # --- encryption ---------------------------------------------------------------
    def encrypt_json(self, data: Mapping[str, Any]) -> str:
        plain = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt_json(self, token: str | None) -> dict[str, Any]:
        if not token:
            return {}
        try:
            plain = self._fernet.decrypt(token.encode("ascii"))
        except InvalidToken as exc:
            raise DecryptionError("stored answers cannot be decrypted with FIELD_ENCRYPTION_KEY") from exc
        data = json.loads(plain.decode("utf-8"))
        return data if isinstance(data, dict) else {}

    def rotate(self, token: str) -> str:
        """Re-encrypt a token with the first (newest) key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    # --- keyed hashes -------------------------------------------------------------
    def keyed_hash(self, purpose: str, *parts: str) -> str:
        """HMAC-SHA256 (hex) of the parts, separated by NUL, domain-separated by `purpose`."""
        message = "\x00".join((purpose, *parts)).encode("utf-8")
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()

    def passport_hash(self, passport_number: str) -> str:
        return self.keyed_hash("passport", normalise_identifier(passport_number))

    def last4_hash(self, case_number: str, last4: str) -> str:
        """Bound to the case number, so equal endings of two passports give different hashes."""
        return self.keyed_hash("last4", case_number.upper(), normalise_identifier(last4)[-4:])


def same_hash(a: str | None, b: str | None) -> bool:
    return bool(a and b and hmac.compare_digest(a, b))
