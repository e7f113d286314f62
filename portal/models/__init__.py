"""Models of the two stores. They never reference each other."""

from . import personal, responses

__all__ = ["personal", "responses"]
