"""Yes or no, coded 1 and 0; the definition gives no options."""

from ._choice import OneChoice
from .registry import register


@register
class YesNo(OneChoice):
    name = "yesno"
    has_options = False
    fixed_options = ((1, "Yes"), (0, "No"))
