"""Admin area « Mon standard »: reception numbers, profiles, time rules, hunt groups, IVR."""

from . import ivr, numbers, pages, profiles, rules  # noqa: F401  (the routes)
from .blueprint import bp

__all__ = ["bp"]
