"""Admin area « Mon annuaire »: contacts, their credentials and photos, lists, CSV import and export."""

from . import pages, photos  # noqa: F401  (the routes)
from .blueprint import bp

__all__ = ["bp"]
