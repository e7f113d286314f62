"""Babel extractors for the questionnaire definitions and consent texts (see babel.cfg)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import IO, Any

from .types import REGISTRY

Extracted = Iterator[tuple[int, str | None, str, list[str]]]


def _line_of(source: str, text: str) -> int:
    index = source.find(text)
    return source.count("\n", 0, index) + 1 if index >= 0 else 0


def extract_definitions(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Extracted:
    source = fileobj.read().decode("utf-8")
    data = tomllib.loads(source)
    name = f"{data.get('key')} v{data.get('version')}"

    def item(text: str, what: str) -> tuple[int, None, str, list[str]]:
        return _line_of(source, text), None, text, [f"{name}: {what}"]

    for key in ("title", "intro"):
        if data.get(key):
            yield item(data[key], key)
    for set_name, options_ in data.get("options", {}).items():
        for code, label in options_:
            yield item(label, f"answer {code} in option set {set_name}")
    for page in data.get("pages", []):
        yield item(page["title"], f"page {page['id']}")
        for question in page.get("questions", []):
            yield item(question["text"], f"question {question['id']}")
            if question.get("help"):
                yield item(question["help"], f"help for {question['id']}")
            kind = REGISTRY.get(question.get("type"))
            for _code, label in (kind.fixed_options or ()) if kind else ():
                yield 0, None, label, [f"{name}: {kind.name} answer"]
            if isinstance(question.get("options"), list):
                for code, label in question["options"]:
                    yield item(label, f"answer {code} to {question['id']}")


def extract_consent(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Extracted:
    source = fileobj.read().decode("utf-8")
    data = tomllib.loads(source)
    for key in ("title", "question", "yes", "no"):
        yield _line_of(source, data[key]), None, data[key], [f"consent text: {key}"]
    for paragraph in data["paragraphs"]:
        yield _line_of(source, paragraph), None, paragraph, ["consent text: paragraph"]
    for key in ("contact", "dpo"):
        if key in data:
            yield _line_of(source, data[key]), None, data[key], [f"consent text: {key}"]
    for basis, text in data.get("legal_basis", {}).items():
        yield _line_of(source, text), None, text, [f"consent text: legal basis {basis}"]
