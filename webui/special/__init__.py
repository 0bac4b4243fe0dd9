"""Admin area: special 08xx numbers, their profiles, rules and statistics."""

from . import pages, rules  # noqa: F401  (the routes)
from .blueprint import bp

__all__ = ["bp"]
