"""User area « Mon annuaire »: company directory, personal contacts (routes of the ``me`` blueprint)."""

from . import pages  # noqa: F401  (the routes)
from ..common.blueprints import me as bp

__all__ = ["bp"]
