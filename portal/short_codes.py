"""Short codes for the printed invitation card: typed by a parent whose camera will not scan.

A code is twelve characters of Crockford's base 32 (digits and capitals without I, L, O and U,
so nothing reads as something else), 60 bits, printed as ``XXXX-XXXX-XXXX``. Typing is
forgiving: case, spaces, dashes, and O/I/L for 0/1/1 do not matter.

A code stands for a link: the link's secret is derived from the code (scrypt), so typing the
same code again, after an interruption, opens the same link and finds the same draft. Only the
SHA-256 of that secret is stored, as a row of ``invitation_link`` of kind ``code``, like any
other link of the invitation, and it expires and is revoked with the invitation. The derivation
is scrypt rather than a plain hash: 60 bits are far fewer than a link's 128, and someone
holding a copy of the personal store must not be able to try every code against it. Typing a
code is rate-limited per address like opening a link (``LINK_OPEN_LIMIT``; the figures are in
docs/security.md).
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from .models.personal import Invitation, InvitationLink

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
GROUP = 4
#: Bits of entropy in one code: 12 characters of 32.
BITS = LENGTH * 5
#: What a person may type for a character that is not in the alphabet.
_READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
#: Fixed, public salt: the secret must be the same each time to be looked up; the work factor,
#: not the salt, is what makes trying all codes against a stolen copy hopeless.
_SALT = b"first1000-short-code-v1"
#: About 10 ms a code on one core: cheap for a rate-limited form, and 2**60 of them are beyond
#: reach (docs/security.md).
_SCRYPT = {"n": 2**11, "r": 8, "p": 1, "dklen": 16}


def new_code() -> str:
    """A fresh random code, without dashes."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed: str | None) -> str | None:
    """The code a person typed, as stored; None if it cannot be one (wrong length, letters)."""
    if not typed or len(typed) > 64:
        return None
    text = "".join(typed.split()).replace("-", "").replace("\u2010", "").replace("\u2011", "")
    text = text.upper().translate(_READS_AS)
    if len(text) != LENGTH or any(char not in ALPHABET for char in text):
        return None
    return text


def display(code: str) -> str:
    """How a code is printed: in groups of four."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def secret_for(code: str) -> str:
    """The link secret a (normalised) code stands for: 16 bytes, shaped like a link's own."""
    raw = hashlib.scrypt(code.encode(), salt=_SALT, **_SCRYPT)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def add_code(invitation: Invitation) -> str:
    """Give an invitation a new short code and return it (shown once, on the card). The
    caller commits."""
    from .links import secret_hash

    code = new_code()
    invitation.links.append(
        InvitationLink(secret_hash=secret_hash(secret_for(code)), kind="code")
    )
    return code


def find(typed: str | None) -> tuple[Invitation, str] | None:
    """The invitation whose card carries this code, whatever its state, and the secret of the
    link the code stands for; None if no card carries it."""
    from .links import find_by_hash, secret_hash

    code = normalise(typed)
    if code is None:
        return None
    secret = secret_for(code)
    invitation = find_by_hash(secret_hash(secret), kind="code")
    return None if invitation is None else (invitation, secret)
