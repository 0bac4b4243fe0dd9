"""« Tester ce numéro » on the reception and special numbers' pages: the
form's inputs, circumstances included, and the simulator's structured answer
(the same as ``orchestrator simulate --json`` and POST /api/v1/simulate)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import gettext as _
from pydantic import ValidationError

from orchestrator.db.models import Tenant
from orchestrator.routing.answer import SimulationOut
from orchestrator.services import simulation

from .security import db

FIELDS = ("busy", "unregistered", "no_answer", "keys", "draws")


def _numbers(raw: str) -> list[str]:
    return [n for n in re.split(r"[\s,;]+", raw.strip()) if n]


def simulation_panel(t: Tenant, default_to: str) -> dict[str, Any]:
    """``sim`` (the form's values), ``plan`` (a :class:`SimulationOut`) and ``sim_error``."""
    now = datetime.now(ZoneInfo(t.timezone))
    form = {"to": request.args.get("to", default_to), "caller": request.args.get("caller", ""),
            "at": request.args.get("at", now.strftime("%Y-%m-%dT%H:%M")),
            **{f: request.args.get(f, "") for f in FIELDS}}
    out: dict[str, Any] = {"sim": form, "plan": None, "sim_error": None}
    if "test" not in request.args:
        return out
    try:
        when = datetime.strptime(form["at"], "%Y-%m-%dT%H:%M").replace(tzinfo=ZoneInfo(t.timezone))
    except ValueError:
        out["sim_error"] = _("Give the date and time as YYYY-MM-DD HH:MM.")
        return out
    try:
        doc = simulation.SimulateIn.model_validate({
            "to": form["to"].strip() or default_to, "from": form["caller"].strip() or None,
            "busy": _numbers(form["busy"]), "unregistered": _numbers(form["unregistered"]),
            "no_answer": _numbers(form["no_answer"]), "keys": form["keys"].strip() or None,
            "draws": [float(d) if "." in d else int(d) for d in _numbers(form["draws"])]})
    except (ValidationError, ValueError):
        out["sim_error"] = _("A draw is a whole number from 0 to 4095, or a fraction like 0.37.")
        return out
    answer: SimulationOut = simulation.run(db(), t, doc.to, doc.caller, when, doc.circumstances())
    out["plan"] = answer
    return out
