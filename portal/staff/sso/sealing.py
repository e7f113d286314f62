"""Client secrets are stored sealed (Fernet, with a key derived from the portal's secret key):
a copy of the personal store, or an SQL log that prints parameters, does not hold them in the
clear. Rotating ``SECRET_KEY`` keeps them readable through ``SECRET_KEY_FALLBACKS``."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_PREFIX = "fernet:"


def _fernet(secret_key: str | bytes) -> Fernet:
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"first1000 portal: identity provider client secret").derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    config = current_app.config
    keys = [config["SECRET_KEY"], *reversed(config.get("SECRET_KEY_FALLBACKS", []))]
    return MultiFernet([_fernet(key) for key in keys])


def seal(secret: str) -> str:
    return _PREFIX + _keys().encrypt(secret.encode()).decode()


def unseal(stored: str | None) -> str | None:
    """The secret, or None when there is none or it cannot be read (key lost)."""
    if not stored or not stored.startswith(_PREFIX):
        return None
    try:
        return _keys().decrypt(stored[len(_PREFIX):].encode()).decode()
    except InvalidToken:
        return None
