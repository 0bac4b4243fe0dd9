"""Logging in and out, « Se connecter en utilisateur » (A-3)."""

from . import pages  # noqa: F401  (the routes)
from .blueprint import bp

__all__ = ["bp"]
