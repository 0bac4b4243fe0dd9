"""Admin area « Mes équipements » (routes of the ``lines`` blueprint)."""

from . import pages  # noqa: F401  (the routes)
from ..common.blueprints import lines as bp

__all__ = ["bp"]
