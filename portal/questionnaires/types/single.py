"""Single choice: one code among the definition's options."""

from ._choice import OneChoice
from .registry import register


@register
class Single(OneChoice):
    name = "single"
