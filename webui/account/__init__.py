"""« Mes infos »: password and API tokens."""

from . import pages  # noqa: F401  (the routes)
from .blueprint import bp

__all__ = ["bp"]
