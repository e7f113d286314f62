"""Finding what identifies a family in a free-text answer, before anyone reads it.

Each class has its own pattern and placeholder; ``find_spans`` returns them (the review screen
highlights them) and ``mask_text`` replaces them. The patterns are written for what parents
actually type: CPR numbers with en dashes, slashes or spaces; phone numbers with no-break
spaces or slashes; e-mail addresses spelt out (``navn at domæne dot dk``, ``anna(at)gmail(dot)
com``); links and handles; street addresses; names after words such as "søn" or
"sundhedsplejerske" or as two capitalised words; an age next to a diagnosis; and descriptions
that fit one family only ("den eneste eritreanske enlige far med tvillinger i Egedal").
A pattern that over-masks costs a word; one that misses costs a family, so they lean wide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Separators people put inside numbers: space, no-break and narrow no-break space, dot,
#: slash, hyphen and the dashes.
_SEP = r"[ \u00a0\u202f./\-\u2010-\u2015]"
_SEP_OPT = _SEP + r"?"

_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"']+|\b(?:facebook|fb|instagram|tiktok|snapchat|linkedin|"
    r"twitter|x)\.(?:com|me|dk)/[^\s<>\"']*"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_AT = r"(?:\s*[(\[{]\s*(?:at|snabel-a)\s*[)\]}]\s*|\s+(?:at|snabel-a)\s+|\s*@\s*)"
_DOT = r"(?:\s*[(\[{]\s*(?:dot|punktum|prik)\s*[)\]}]\s*|\s+(?:dot|punktum|prik)\s+|\.)"
_EMAIL_SPELT = re.compile(
    rf"(?i)\b[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*?{_DOT}(?:dk|com|net|org|se|no|de|eu|info|"
    r"nu|io|uk)\b"
)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{2,30}\b(?!\()")
_CPR = re.compile(
    rf"(?<!\d)(?:0[1-9]|[12]\d|3[01]){_SEP_OPT}(?:0[1-9]|1[0-2]){_SEP_OPT}\d{{2}}"
    rf"{_SEP_OPT}{_SEP_OPT}\d{{4}}(?!\d)"
)
_PHONE_INTERNATIONAL = re.compile(
    rf"(?<![\w+])(?:\+|00)[1-9]\d{{0,2}}(?:{_SEP_OPT}\d){{6,13}}(?!\d)"
)
_PHONE_DANISH = re.compile(rf"(?<![\d+])\d(?:{_SEP_OPT}\d){{7}}(?!\d)")

_STREET = (
    r"(?:vej|gade|allé|alle|stræde|plads|vænge|vænget|parken|park|torv|have|haven|boulevard|"
    r"passage|stien|sti|bakke|bakken|toften|vang|vangen|høj|højen|gården|lunden|engen|"
    r"street|road|avenue)"
)
_ADDRESS = re.compile(
    rf"\b[A-ZÆØÅ][a-zæøåé]+(?:[ -][A-ZÆØÅ][a-zæøåé]+)*{_STREET}\s+\d{{1,4}}[A-Za-z]?"
    r"(?:\s*,\s*\d{1,2}\.?\s*(?:th|tv|mf|sal)?\.?)?(?:\s*,?\s*\d{4}(?:\s+[A-ZÆØÅ][a-zæøå]+)?)?"
)

# Words after which a name follows: kin, professionals, "hedder"/"named".
_NAME_LEAD = (
    r"(?i:søn(?:nen)?|datter(?:en)?|barn(?:et)?|dreng(?:en)?|pige(?:n)?|baby(?:en)?|"
    r"lillebror|lillesøster|storebror|storesøster|bror|søster|mand|kone|"
    r"sundhedsplejerske(?:n)?|sundhedsplejersken|plejerske(?:n)?|pædagog(?:en)?|læge(?:n)?|"
    r"jordemoder(?:en)?|hedder|heder|hed|navn(?:et)?\s+er|son|daughter|child|boy|girl|"
    r"husband|wife|nurse|health\s+visitor|doctor|named|called|name\s+is|ismi|imię)"
)
_CAPITAL = r"[A-ZÆØÅÄÖÜ][a-zæøåäöüéèáíóúñç'-]+"
_NAME_AFTER_LEAD = re.compile(
    rf"(?<=\s)(?:{_NAME_LEAD})\s+((?:{_CAPITAL})(?:\s+{_CAPITAL}){{0,2}})"
)
# Two or three capitalised words in a row, not at the start of a sentence: a full name.
_FULL_NAME = re.compile(rf"(?<![.!?:]\s)(?<!^)(?<=\s)({_CAPITAL}(?:\s+{_CAPITAL}){{1,2}})")

_DIAGNOSES = (
    r"(?i:astma|eksem|allergi\w*|autisme|autist\w*|adhd|add|diabetes|sukkersyge|epilepsi|"
    r"cerebral\s+parese|downs?\s+syndrom\w*|gigt|leukæmi|kræft|cancer|hjertefejl|ganespalte|"
    r"høretab|døv|blind|handicap\w*|udviklingshæmme\w*|sygdom\w*|syndrom\w*|diagnose\w*|"
    r"asthma|eczema|allerg\w*|autism\w*|epilep\w*|disabilit\w*|disorder|syndrome|diagnos\w*)"
)
_AGE = r"(?i:\d{1,2}\s*(?:år|års|måneder|mdr|uger|years?|months?|weeks?)(?:\s+gammel)?)"
_AGE_DIAGNOSIS = re.compile(
    rf"(?:{_AGE})(?:[^.!?\n]{{0,40}}?)\b{_DIAGNOSES}|\b{_DIAGNOSES}(?:[^.!?\n]{{0,40}}?){_AGE}"
)
_UNIQUE = re.compile(
    r"(?i)\b(?:den|det|de|vi\s+er\s+de|jeg\s+er\s+den|the|i\s+am\s+the|we\s+are\s+the)\s+"
    r"(?:eneste|only|one\s+and\s+only)\b[^.!?\n]*"
)

#: (placeholder, pattern, group); applied in this order, each on what the earlier left.
CLASSES: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("url", _URL, 0),
    ("email", _EMAIL, 0),
    ("email", _EMAIL_SPELT, 0),
    ("handle", _HANDLE, 0),
    ("cpr", _CPR, 0),
    ("phone", _PHONE_INTERNATIONAL, 0),
    ("phone", _PHONE_DANISH, 0),
    ("address", _ADDRESS, 0),
    ("description", _UNIQUE, 0),
    ("health", _AGE_DIAGNOSIS, 0),
    ("name", _NAME_AFTER_LEAD, 1),
    ("name", _FULL_NAME, 1),
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str


def mask_text(text: str) -> str:
    """Replace every identifying span with its placeholder (``[cpr]``, ``[name]``, ...)."""
    for kind, pattern, group in CLASSES:
        text = _sub(pattern, group, f"[{kind}]", text)
    return text


def _sub(pattern: re.Pattern[str], group: int, replacement: str, text: str) -> str:
    if group == 0:
        return pattern.sub(replacement, text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(text[last : match.start(group)])
        out.append(replacement)
        last = match.end(group)
    out.append(text[last:])
    return "".join(out)


# Built from CLASSES, so a new class is recognised as a placeholder too.
_PLACEHOLDER = re.compile(r"\[(?:" + "|".join(dict.fromkeys(k for k, _p, _g in CLASSES)) + r")\]")
# What a reviewer may still want to redact in masked text: capitalised words, numbers, places.
_SUSPECT = re.compile(rf"(?<=\s){_CAPITAL}|\d[\d\s.,/-]*\d|\d")


def review_spans(masked: str) -> list[Span]:
    """Spans the review screen marks in already masked text: the placeholders (already masked,
    shown so the reviewer sees what was removed) and words worth a second look."""
    spans = [Span(m.start(), m.end(), "masked") for m in _PLACEHOLDER.finditer(masked)]
    taken = [(s.start, s.end) for s in spans]
    for match in _SUSPECT.finditer(masked):
        if any(a < match.end() and match.start() < b for a, b in taken):
            continue
        spans.append(Span(match.start(), match.end(), "suspect"))
    return sorted(spans, key=lambda s: s.start)


def redact(masked: str, chosen: set[int]) -> str:
    """``masked`` with the chosen suspect spans (by their index in ``review_spans``) replaced."""
    spans = review_spans(masked)
    out, last = [], 0
    for index, span in enumerate(spans):
        if span.kind == "suspect" and index in chosen:
            out.append(masked[last : span.start])
            out.append("[redacted]")
            last = span.end
    out.append(masked[last:])
    return "".join(out)
