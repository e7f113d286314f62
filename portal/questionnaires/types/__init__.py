"""Question types, one module each; ``REGISTRY`` maps a definition's ``type`` to its class.

Importing this package registers the six built-in types, in the order error messages list them.
"""

from . import multiple, number, scale, single, text, yesno  # noqa: F401  (they register)
from .base import QuestionType
from .registry import REGISTRY, get, register, unregister

BUILT_IN = ("single", "multiple", "scale", "yesno", "number", "text")

__all__ = ["BUILT_IN", "REGISTRY", "QuestionType", "get", "register", "unregister"]
