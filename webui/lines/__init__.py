"""Admin area « Mes services »: lines, fax lines, adding them, « Mes accès »."""

from . import add, fax, pages  # noqa: F401  (the routes)
from ..common.blueprints import lines as bp

__all__ = ["bp"]
