"""User area: call log, click-to-call, SMS."""

from . import pages  # noqa: F401  (the routes)
from .blueprint import bp

__all__ = ["bp"]
