"""Admin area « Mes services »: lines, fax lines, adding them, « Mes accès »."""

from ..common.blueprints import lines as bp
from . import add, calls, fax, pages  # noqa: F401  (the routes)

__all__ = ["bp"]
