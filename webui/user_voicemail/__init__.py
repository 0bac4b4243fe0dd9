"""Voicemail greetings and messages (§4.3)."""

from . import pages  # noqa: F401  (the routes)
from .blueprint import bp

__all__ = ["bp"]
