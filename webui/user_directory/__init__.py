"""User area « Mon annuaire »: company directory, personal contacts (routes of the ``me`` blueprint)."""

from ..common.blueprints import me as bp
from . import pages  # noqa: F401  (the routes)

__all__ = ["bp"]
