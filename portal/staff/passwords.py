"""Which passwords staff may choose (ASVS 5.0 6.2.x): long enough, not common, not about them.

The common-password list and the pattern search are zxcvbn's (pinned): it ships the most
common passwords from public breach corpora plus English words, names and keyboard patterns,
and looks for the user's own words (``user_inputs``) too. A password must reach zxcvbn score 3
("safely unguessable": about 10^8 guesses), which refuses ``password1234``, ``123456789012``,
``qwertyuiopas`` and an e-mail address, and lets through a few unrelated words. No other
composition rule: people should choose long, memorable passphrases.

Every password is NFC-normalised before it is checked or hashed, so "blå" typed on a keyboard
that sends å as one character or as a + ring gives the same password.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from zxcvbn import zxcvbn

#: zxcvbn looks at this many characters (its own limit); longer passwords are judged on their
#: start, which for a password of 72 characters or more is plenty.
_CHECKED_LENGTH = 72
MIN_SCORE = 3
MAX_LENGTH = 1024
_WORD_SPLIT = re.compile(r"[\s.@_+\-]+")


def normalise(password: str) -> str:
    return unicodedata.normalize("NFC", password or "")


def context_words(values: Iterable[str | None]) -> list[str]:
    """The user's own words: each value whole and in parts (name, e-mail, municipality)."""
    words: list[str] = []
    for value in values:
        text = normalise(value or "").strip().lower()
        if not text:
            continue
        words.append(text)
        words.extend(part for part in _WORD_SPLIT.split(text) if len(part) >= 3)
    return sorted(set(words))


def problem(password: str, min_length: int, context: Iterable[str | None] = ()) -> str | None:
    """Why a password is refused, as a code (``too_short``, ``too_long``, ``too_simple``,
    ``context``, ``common``, ``guessable``), or None."""
    password = normalise(password)
    if len(password) < min_length:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    if len(set(password)) < 5:
        return "too_simple"
    words = context_words(context)
    lowered = password.lower()
    # zxcvbn counts a user word as cheap to guess but may still pass a long password built
    # round it; the whole e-mail address or name inside the password is refused outright.
    if any(len(word) >= 6 and word in lowered for word in words):
        return "context"
    result = zxcvbn(password[:_CHECKED_LENGTH], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return None
    found = {match.get("dictionary_name") or match["pattern"] for match in result["sequence"]}
    if "user_inputs" in found:
        return "context"
    if "passwords" in found:
        return "common"
    return "guessable"
