"""Models of the two stores. They never reference each other."""

from . import personal, releases, responses, tallies

__all__ = ["personal", "releases", "responses", "tallies"]
