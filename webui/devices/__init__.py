"""Admin area « Mes équipements » (routes of the ``lines`` blueprint)."""

from ..common.blueprints import lines as bp
from . import pages  # noqa: F401  (the routes)

__all__ = ["bp"]
