"""The ``directory`` blueprint (« Mon annuaire » of the admin space)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("directory", __name__, url_prefix="/directory")
