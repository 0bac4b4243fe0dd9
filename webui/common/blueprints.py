"""The blueprints whose URL space two areas share (one endpoint prefix, so
the templates' ``url_for`` names and the navigation stay as they are):

* ``lines`` (``/services``): the admin's lines and fax lines
  (:mod:`webui.lines`) and « Mes équipements » (:mod:`webui.devices`);
* ``me`` (``/me``): the user's line (:mod:`webui.user_line`) and personal
  directory (:mod:`webui.user_directory`).

Each other area owns its blueprint."""

from __future__ import annotations

from flask import Blueprint

lines = Blueprint("lines", __name__, url_prefix="/services")
me = Blueprint("me", __name__, url_prefix="/me")
