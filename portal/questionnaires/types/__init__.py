"""Question types, one module each; ``REGISTRY`` maps a definition's ``type`` to its class.

Each type's class (see ``base.QuestionType``) is the one home of what differs between types:
the definition checks, parsing and validating the posted answer, the stored shape, the export
cells and columns, the codebook's values text, value labels and measurement level (SPSS, Stata,
R), the Table Schema constraints, whether the answers pages chart it, demo answers, and its
parent-page partial ``templates/parent/questions/<name>.html``. Callers ask
``question.kind``; none switches on the type's name.

To add a type: a module here with a ``@register``-ed subclass, imported below, and its template.
tests/test_question_types.py adds a toy type that way. Importing this package registers the
six built-in types.
"""

from . import multiple, number, scale, single, text, yesno  # noqa: F401  (they register)
from .base import QuestionType
from .registry import REGISTRY, get, register, unregister

BUILT_IN = ("single", "multiple", "scale", "yesno", "number", "text")

__all__ = ["BUILT_IN", "REGISTRY", "QuestionType", "get", "register", "unregister"]
