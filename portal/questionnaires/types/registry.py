"""The one table of question types by name (django-survey's ``FIELDS``)."""

from __future__ import annotations

from typing import TypeVar

from .base import QuestionType

REGISTRY: dict[str, QuestionType] = {}

T = TypeVar("T", bound=type[QuestionType])


def register(cls: T) -> T:
    """Class decorator: make the type usable in definitions under its ``name``."""
    REGISTRY[cls.name] = cls()
    return cls


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)


def get(name: str) -> QuestionType:
    return REGISTRY[name]
