"""User area « Ma ligne » (routes of the ``me`` blueprint)."""

from ..common.blueprints import me as bp
from . import pages  # noqa: F401  (the routes)

__all__ = ["bp"]
