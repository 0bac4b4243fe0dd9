"""The ``auth`` blueprint (log in and out, acting as a user)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)
