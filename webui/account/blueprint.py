"""The ``account`` blueprint (« Mes infos »)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")
