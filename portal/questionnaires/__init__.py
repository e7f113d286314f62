"""Questionnaire definitions: versioned TOML files, validated at start-up.

Forms, the codebook and export columns are derived from these objects. Texts are English msgids,
translated through the Babel catalogues (see ``extract.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from . import types
from .types import QuestionType

DEFINITIONS_DIR = Path(__file__).parent
LOCK_FILE = DEFINITIONS_DIR / "published.json"

#: The built-in types, in the order error messages list them (``types.BUILT_IN``).
QUESTION_TYPES = types.BUILT_IN
KEYS = ("18-months", "3-years", "cos-p")
MAX_QUESTIONS = 25
#: Export status column ``<id>_status`` must fit Stata's 32-character variable names.
MAX_ID_LENGTH = 25
#: The export's codes for missing answers (not shown, skipped, left blank): no answer uses them.
RESERVED_CODES = (-7, -8, -9)
# Variable names that R, Stata and SPSS all accept.
_ID = re.compile(r"^[a-z][a-z0-9_]{0,27}$")
_FILE_NAME = re.compile(r"^(?P<key>[a-z0-9-]+)\.v(?P<version>[1-9][0-9]*)\.toml$")


class DefinitionError(ValueError):
    """A definition file is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class Option:
    code: int
    label: str


@dataclass(frozen=True)
class ShowIf:
    question: str
    codes: tuple[int, ...]

    def holds(self, answers: dict[str, Any]) -> bool:
        value = answers.get(self.question)
        if isinstance(value, list):
            return any(code in self.codes for code in value)
        return value in self.codes


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: str
    required: bool = False
    help: str | None = None
    options: tuple[Option, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 2000
    show_if: ShowIf | None = None
    #: Multiple choice: codes of options that cannot be ticked together with any other
    #: ("Nothing made it hard").
    exclusive: tuple[int, ...] = ()

    @cached_property
    def kind(self) -> QuestionType:
        """The type's behaviour (parsing, export, codebook): see ``types/``."""
        return types.get(self.type)

    @cached_property
    def codes(self) -> tuple[int, ...]:
        return tuple(option.code for option in self.options)

    def is_visible(self, answers: dict[str, Any]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Definition:
    key: str
    version: int
    status: str
    title: str
    intro: str
    pages: tuple[Page, ...]
    path: Path = field(compare=False)

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for page in self.pages for q in page.questions)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def visible_pages(self, answers: dict[str, Any]) -> list[int]:
        """Indexes of the pages that have at least one question to show, given the answers."""
        return [
            index
            for index, page in enumerate(self.pages)
            if any(q.is_visible(answers) for q in page.questions)
        ]

    def fingerprint(self) -> str:
        """A hash of everything that gives the answers their meaning."""
        shape = {
            "key": self.key,
            "version": self.version,
            "pages": [
                {
                    "id": page.id,
                    "questions": [
                        {
                            "id": q.id,
                            "type": q.type,
                            "text": q.text,
                            "required": q.required,
                            "options": [[o.code, o.label] for o in q.options],
                            "min": q.minimum,
                            "max": q.maximum,
                            "max_length": q.max_length,
                            "show_if": [q.show_if.question, list(q.show_if.codes)]
                            if q.show_if
                            else None,
                            # Only when set, so versions without it keep their fingerprints.
                            **({"exclusive": list(q.exclusive)} if q.exclusive else {}),
                        }
                        for q in page.questions
                    ],
                }
                for page in self.pages
            ],
        }
        canonical = json.dumps(shape, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(canonical).hexdigest()


class Registry:
    """All definitions, by key and version."""

    def __init__(self, definitions: list[Definition]):
        self._by_id = {(d.key, d.version): d for d in definitions}

    def __iter__(self):
        return iter(sorted(self._by_id.values(), key=lambda d: (d.key, d.version)))

    def get(self, key: str, version: int) -> Definition:
        return self._by_id[(key, version)]

    def current(self, key: str) -> Definition:
        """The newest published version of a questionnaire; new invitations use it."""
        published = [d for d in self._by_id.values() if d.key == key and d.status == "published"]
        if not published:
            raise KeyError(key)
        return max(published, key=lambda d: d.version)

    def keys(self) -> list[str]:
        return sorted({key for key, _ in self._by_id})


def load_all(directory: Path = DEFINITIONS_DIR) -> Registry:
    """Load and validate every ``<key>.v<N>.toml`` file in the directory."""
    definitions = [load_file(path) for path in sorted(directory.glob("*.toml"))]
    registry = Registry(definitions)
    for key in KEYS:
        try:
            registry.current(key)
        except KeyError:
            raise DefinitionError(
                f"{directory}: no published version of questionnaire {key!r}"
            ) from None
    return registry


def load_file(path: Path) -> Definition:
    name = path.name
    match = _FILE_NAME.match(name)
    if not match:
        raise DefinitionError(f"{name}: file name must be <key>.v<version>.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise DefinitionError(f"{name}: not valid TOML: {error}") from None
    return _Parser(name, data, path).definition(match["key"], int(match["version"]))


class _Parser:
    def __init__(self, name: str, data: dict[str, Any], path: Path):
        self.name, self.data, self.path = name, data, path

    def fail(self, where: str, message: str) -> DefinitionError:
        return DefinitionError(f"{self.name}: {where}: {message}")

    def text(self, mapping: dict[str, Any], key: str, where: str) -> str:
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}" if where else key, "must be a non-empty string")
        if "%" in value:
            # Texts are gettext msgids formatted with named placeholders; a bare % breaks them.
            raise self.fail(f"{where}.{key}" if where else key, "must not contain %")
        return value.strip()

    def definition(self, key: str, version: int) -> Definition:
        data = self.data
        if data.get("key") != key:
            raise self.fail("key", f"must be {key!r} (as in the file name)")
        if data.get("version") != version:
            raise self.fail("version", f"must be {version} (as in the file name)")
        if key not in KEYS:
            raise self.fail("key", f"unknown questionnaire; expected one of {', '.join(KEYS)}")
        status = data.get("status")
        if status not in ("published", "draft"):
            raise self.fail("status", "must be 'published' or 'draft'")
        option_sets = data.get("options", {})
        if not isinstance(option_sets, dict):
            raise self.fail("options", "must be a table of named option lists")
        self.option_sets = {
            name: self.options(value, f"options.{name}") for name, value in option_sets.items()
        }
        raw_pages = data.get("pages")
        if not isinstance(raw_pages, list) or not raw_pages:
            raise self.fail("pages", "must be a non-empty list of pages")
        self.seen: dict[str, Question] = {}
        pages = tuple(self.page(raw, f"pages[{i}]") for i, raw in enumerate(raw_pages))
        count = sum(len(p.questions) for p in pages)
        if count > MAX_QUESTIONS:
            raise self.fail("pages", f"{count} questions; at most {MAX_QUESTIONS} are allowed")
        return Definition(
            key=key,
            version=version,
            status=status,
            title=self.text(data, "title", ""),
            intro=self.text(data, "intro", ""),
            pages=pages,
            path=self.path,
        )

    def page(self, raw: Any, where: str) -> Page:
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a table")
        page_id = raw.get("id")
        if not isinstance(page_id, str) or not _ID.match(page_id):
            raise self.fail(f"{where}.id", "must be a short lower-case identifier")
        questions = raw.get("questions")
        if not isinstance(questions, list) or not questions:
            raise self.fail(f"{where}.questions", "must be a non-empty list")
        return Page(
            id=page_id,
            title=self.text(raw, "title", where),
            questions=tuple(
                self.question(q, f"{where}.questions[{i}]") for i, q in enumerate(questions)
            ),
        )

    def options(self, raw: Any, where: str) -> tuple[Option, ...]:
        if not isinstance(raw, list) or len(raw) < 2:
            raise self.fail(where, "must list at least two [code, label] pairs")
        options = []
        for i, pair in enumerate(raw):
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not isinstance(pair[0], int)
                or isinstance(pair[0], bool)
                or not isinstance(pair[1], str)
                or not pair[1].strip()
                or "%" in pair[1]
            ):
                raise self.fail(f"{where}[{i}]", "must be [code, label] with a whole-number code")
            options.append(Option(pair[0], pair[1].strip()))
        codes = [o.code for o in options]
        if len(set(codes)) != len(codes):
            raise self.fail(where, "answer codes must be unique")
        return tuple(options)

    def question(self, raw: Any, where: str) -> Question:
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a table")
        qid = raw.get("id")
        if not isinstance(qid, str) or not _ID.match(qid):
            raise self.fail(
                f"{where}.id", "must start with a letter and use a-z, 0-9 and _ (at most 28)"
            )
        if qid in self.seen:
            raise self.fail(f"{where}.id", f"{qid!r} is used twice")
        qtype = raw.get("type")
        if qtype not in types.REGISTRY:
            names = [*QUESTION_TYPES, *(n for n in types.REGISTRY if n not in QUESTION_TYPES)]
            raise self.fail(f"{where}.type", f"must be one of {', '.join(names)}")
        kind = types.get(qtype)
        required = raw.get("required", False)
        if not isinstance(required, bool):
            raise self.fail(f"{where}.required", "must be true or false")
        if len(qid) > MAX_ID_LENGTH:
            raise self.fail(
                f"{where}.id", f"at most {MAX_ID_LENGTH} characters, so {qid}_status fits Stata"
            )
        known = {"id", "type", "text", "required", "help", "options", "min", "max",
                 "max_length", "show_if", "exclusive"}
        unknown = set(raw) - known
        if unknown:
            raise self.fail(where, f"unknown field(s): {', '.join(sorted(unknown))}")
        options: tuple[Option, ...] = ()
        if kind.fixed_options is not None:
            options = tuple(Option(code, label) for code, label in kind.fixed_options)
        elif kind.has_options:
            raw_options = raw.get("options")
            if isinstance(raw_options, str):
                if raw_options not in self.option_sets:
                    raise self.fail(f"{where}.options", f"no option set named {raw_options!r}")
                options = self.option_sets[raw_options]
            else:
                options = self.options(raw_options, f"{where}.options")
            kind.check(raw, options, where, self.fail)
            if any(o.code in RESERVED_CODES for o in options):
                raise self.fail(f"{where}.options", "codes -7, -8 and -9 mean missing answers")
        elif "options" in raw:
            raise self.fail(f"{where}.options", f"a {qtype} question has no options")
        minimum, maximum = raw.get("min"), raw.get("max")
        if kind.has_range:
            kind.check(raw, options, where, self.fail)
        elif minimum is not None or maximum is not None:
            raise self.fail(f"{where}.min", "only number questions have min and max")
        max_length = raw.get("max_length", 2000)
        if not isinstance(max_length, int) or not 1 <= max_length <= 10000:
            raise self.fail(f"{where}.max_length", "must be a whole number from 1 to 10000")
        question = Question(
            id=qid,
            type=qtype,
            text=self.text(raw, "text", where),
            required=required,
            help=self.optional_text(raw, "help", where),
            options=options,
            minimum=minimum,
            maximum=maximum,
            max_length=max_length,
            show_if=self.show_if(raw.get("show_if"), f"{where}.show_if"),
            exclusive=self.exclusive(raw.get("exclusive"), qtype, options, f"{where}.exclusive"),
        )
        self.seen[qid] = question
        return question

    def optional_text(self, raw: dict[str, Any], key: str, where: str) -> str | None:
        if raw.get(key) is None:
            return None
        return self.text(raw, key, where)

    def exclusive(
        self, raw: Any, qtype: str, options: tuple[Option, ...], where: str
    ) -> tuple[int, ...]:
        if raw is None:
            return ()
        if not types.get(qtype).many:
            raise self.fail(where, "only multiple-choice questions have exclusive options")
        codes = {o.code for o in options}
        if (
            not isinstance(raw, list)
            or not raw
            or any(not isinstance(c, int) or isinstance(c, bool) or c not in codes for c in raw)
            or len(set(raw)) == len(codes)
        ):
            raise self.fail(where, "must list some (not all) of the question's answer codes")
        return tuple(sorted(set(raw)))

    def show_if(self, raw: Any, where: str) -> ShowIf | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or set(raw) - {"question", "equals", "in"}:
            raise self.fail(where, "must be {question = ..., equals = N} or {question, in = [..]}")
        target = raw.get("question")
        if target not in self.seen:
            raise self.fail(f"{where}.question", f"{target!r} is not an earlier question")
        codes = (raw["equals"],) if "equals" in raw else tuple(raw.get("in") or ())
        if not codes or any(c not in self.seen[target].codes for c in codes):
            raise self.fail(where, f"must name answer codes of {target!r}")
        return ShowIf(target, codes)


def read_lock() -> dict[str, str]:
    """The fingerprints of published versions, as recorded when they were published."""
    return json.loads(LOCK_FILE.read_text(encoding="utf-8"))
