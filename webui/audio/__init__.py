"""Admin area: the company's audio files (§3.7.4)."""

from . import pages  # noqa: F401  (the routes)
from .blueprint import bp

__all__ = ["bp"]
