"""Special 08xx numbers in « Mes services » (manual §3.7.2, §3.7.7; spec
S-1..S-4, N-2, N-3): adding one from the free numbers of the pool with its
caller price, deleting one, its page with its profiles (active now in green,
forced in red), forcing, creating, renaming, duplicating and deleting
profiles, a profile's routings with load sharing and their odds, and "test
this number" with the route simulator. Time-and-origin rules and the call
statistics are in :mod:`.rules` (same blueprint)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from orchestrator.db.models import ReceptionNumber, SpecialNumber, SpecialProfile
from orchestrator.domain.errors import ServiceError
from orchestrator.services.special import lookup as special_lookup
from orchestrator.services.special import numbers, pool, routings
from orchestrator.services.special import profiles as profile_edit
from orchestrator.services.special.active import profile_for, special_state
from orchestrator.services.special.service import all_for

from ..common.formdata import FormErrors, field_errors
from ..common.i18n import phone_input
from ..common.lineoptions import caller_price
from ..common.security import admin_required, db, tenant
from ..common.simulation import simulation_panel
from ..common.uow import discard_changes
from .blueprint import bp

NEW_FIELDS = ("number", "label", "destination")
DETAIL_FIELDS = ("label", "name")
MAX_ROUTINGS, MAX_DESTINATIONS = 10, 20


def price(e164: str) -> str:
    return caller_price(pool.price_of(e164))


def receptions() -> dict[str, ReceptionNumber]:
    rows = db().session.scalars(select(ReceptionNumber).where(ReceptionNumber.tenant_id == current_user.tenant_id))
    return {r.number: r for r in rows}


def done(message: str, endpoint: str, **kw: Any):
    flash(message, "ok")
    return redirect(url_for(endpoint, **kw))


# -- the list, adding and deleting (§3.7.2) ------------------------------------------

@bp.get("/")
@admin_required
def index():
    t = tenant()
    specials = all_for(db(), t)
    states = {s.id: special_state(s, t.timezone) for s in specials}
    return render_template("special/list.html", specials=specials, states=states,
                           prices={s.id: price(s.number) for s in specials}, tenant=t)


def _new_page(errors: FormErrors, values: dict[str, Any] | None = None, status: int = 200):
    t = tenant()
    prefix = request.values.get("prefix", "").strip()
    last = request.values.get("last_digits", "").strip()
    free = pool.free_numbers(db().session, t, prefix or None, last or None)
    prefixes = [(p, f"{p} ({caller_price(raw)})") for p, raw in pool.PRICES.items()]
    return render_template("special/new.html", free=free, prefixes=prefixes, prefix=prefix, last_digits=last,
                           prices={f.number: caller_price(f.price) for f in free}, errors=errors, values=values,
                           tenant=t), status


@bp.get("/new")
@admin_required
def new():
    return _new_page(FormErrors(fields=NEW_FIELDS))


@bp.post("/new")
@admin_required
def create():
    """« Choisir ce numéro » then « Valider » (Figures 54-55)."""
    form = request.form
    data = {"number": form.get("number", "").strip(), "label": form.get("label", "").strip(),
            "destination": form.get("destination", "").strip() or None}
    try:
        if not data["number"]:
            raise ServiceError("choose one of the numbers offered", error_id="number.required", field="number")
        special = numbers.add(db(), tenant(), data)
    except ServiceError as exc:
        discard_changes()
        return _new_page(FormErrors(field_errors(exc), NEW_FIELDS), dict(form), 422)
    return done(_("The special number %(number)s has been added.", number=phone_input(special.number)),
                "special.detail", special_id=special.id)


@bp.post("/<int:special_id>/delete")
@admin_required
def delete(special_id: int):
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    number = special.number
    numbers.remove(db(), special)
    return done(_("The special number %(number)s has been deleted.", number=phone_input(number)), "special.index")


# -- the special number's page: profiles, forcing, test (§3.7.7, §3.7.7.5) ------------

def _simulation(special: SpecialNumber, tz: str) -> dict[str, Any]:
    """« Tester ce numéro »: the inputs, the simulator's answer and the special
    number's profile with why (time, caller origin, forcing), or an error."""
    out = simulation_panel(tenant(), phone_input(special.number))
    out["choice"] = None
    plan = out["plan"]
    if plan is not None and plan.kind == "special" and plan.number == special.number:
        when = datetime.strptime(out["sim"]["at"], "%Y-%m-%dT%H:%M").replace(tzinfo=ZoneInfo(tz))
        out["choice"] = profile_for(special, tz, when, out["sim"]["caller"].strip() or None,
                                    db().settings.default_region)
    return out


def _detail(special: SpecialNumber, errors: FormErrors, values: dict[str, Any] | None = None, status: int = 200):
    t = tenant()
    docs = {p.id: routings.routings_doc(db().session, p) for p in special.profiles}
    return render_template("special/detail.html", special=special, price=price(special.number),
                           state=special_state(special, t.timezone), docs=docs, errors=errors, values=values,
                           tab="profiles", tenant=t, **_simulation(special, t.timezone)), status


@bp.get("/<int:special_id>")
@admin_required
def detail(special_id: int):
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    return _detail(special, FormErrors(fields=DETAIL_FIELDS))


def _detail_failed(special_id: int, exc: ServiceError):
    discard_changes()
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    return _detail(special, FormErrors(field_errors(exc), DETAIL_FIELDS), dict(request.form), 422)


@bp.post("/<int:special_id>/label")
@admin_required
def label(special_id: int):
    """« Intitulé : [Modifier] »."""
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    try:
        numbers.set_label(db(), special, {"label": request.form.get("label", "").strip()})
    except ServiceError as exc:
        return _detail_failed(special_id, exc)
    return done(_("The label has been saved."), "special.detail", special_id=special.id)


@bp.post("/<int:special_id>/force")
@admin_required
def force(special_id: int):
    """§3.7.7.5 « Forcer » / « Ne plus forcer »."""
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    raw = request.form.get("profile", "")
    prof = special_lookup.profile_of(special, int(raw)) if raw.isdigit() else None
    if raw and prof is None:
        abort(404)
    profile_edit.force(db(), special, prof)
    message = _("Profile %(name)s is forced.", name=prof.name) if prof else _("No profile is forced any more.")
    return done(message, "special.detail", special_id=special.id)


@bp.post("/<int:special_id>/profiles")
@admin_required
def create_profile(special_id: int):
    """§3.7.7.1 « Créer un nouveau profil »."""
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    try:
        prof = profile_edit.create_profile(db(), special, {"name": request.form.get("name", "").strip()})
    except ServiceError as exc:
        return _detail_failed(special_id, exc)
    return done(_("The profile %(name)s has been created.", name=prof.name), "special.profile",
                special_id=special.id, profile_id=prof.id)


@bp.post("/<int:special_id>/profiles/<int:profile_id>/duplicate")
@admin_required
def duplicate_profile(special_id: int, profile_id: int):
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    prof = special_lookup.profile_of(special, profile_id)
    name = profile_edit.free_name(special, _("Copy of %(name)s", name=prof.name))
    copy = profile_edit.duplicate_profile(db(), prof, name)
    return done(_("The profile %(name)s has been created.", name=copy.name), "special.detail", special_id=special.id)


@bp.post("/<int:special_id>/profiles/<int:profile_id>/delete")
@admin_required
def delete_profile(special_id: int, profile_id: int):
    """§3.7.7.3: not the default profile; its rules go with it."""
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    prof = special_lookup.profile_of(special, profile_id)
    name = prof.name
    try:
        profile_edit.delete_profile(db(), prof)
    except ServiceError as exc:
        return _detail_failed(special_id, exc)
    return done(_("The profile %(name)s has been deleted.", name=name), "special.detail", special_id=special.id)


# -- a profile: its name and its routings (§3.7.7.2, Figures 72-73) -------------------

def _saved_rows(prof: SpecialProfile) -> list[list[dict[str, str]]]:
    doc = routings.routings_doc(db().session, prof)
    return [[{"number": phone_input(d.number or d.reception), "percent": str(d.percent)} for d in r.destinations]
            for r in doc.routings]


def _form_rows() -> list[list[dict[str, str]]]:
    form = request.form

    def count(name: str, top: int) -> int:
        raw = form.get(name, "0")
        return min(int(raw), top) if raw.isdigit() else 0

    rows = []
    for i in range(count("routing_count", MAX_ROUTINGS)):
        key = f"routings[{i}].destinations"
        rows.append([{"number": form.get(f"{key}[{j}].number", "").strip(),
                      "percent": form.get(f"{key}[{j}].percent", "").strip()}
                     for j in range(count(f"routings[{i}].count", MAX_DESTINATIONS))])
    return rows


def _remaining(dests: list[dict[str, str]]) -> str:
    taken = sum(int(d["percent"]) for d in dests if d["percent"].isdigit())
    return str(100 - taken) if taken < 100 else ""


def _edit_rows(rows: list[list[dict[str, str]]], op: str) -> list[list[dict[str, str]]]:
    """« Ajouter un numéro », « Ajouter un routage » and the removals: the
    page shows the change, nothing is saved until « Enregistrer »."""
    verb, _sep, args = op.partition(":")
    at = [int(a) for a in args.split(":") if a.isdigit()]
    if verb == "add_routing" and len(rows) < MAX_ROUTINGS:
        rows.append([{"number": "", "percent": "100"}])
    elif verb == "add_dest" and at and at[0] < len(rows) and len(rows[at[0]]) < MAX_DESTINATIONS:
        rows[at[0]].append({"number": "", "percent": _remaining(rows[at[0]])})
    elif verb == "remove_routing" and at and at[0] < len(rows):
        rows.pop(at[0])
    elif verb == "remove_dest" and len(at) == 2 and at[0] < len(rows) and at[1] < len(rows[at[0]]):
        rows[at[0]].pop(at[1])
        if not rows[at[0]]:
            rows.pop(at[0])
    return rows


def _profile_page(special: SpecialNumber, prof: SpecialProfile, errors: FormErrors,
                  rows: list[list[dict[str, str]]] | None = None, name: str | None = None, pending: bool = False,
                  status: int = 200):
    saved = routings.routings_doc(db().session, prof)
    recs = receptions()
    rows = rows if rows is not None else _saved_rows(prof)
    totals = [sum(int(d["percent"]) for d in dests if d["percent"].isdigit()) for dests in rows]
    return render_template(
        "special/profile.html", special=special, prof=prof, price=price(special.number), errors=errors,
        rows=rows, totals=totals, name=name if name is not None else prof.name, pending=pending,
        odds=routings.odds(saved), saved=saved,
        rec_labels={phone_input(n): r.label for n, r in recs.items()} | {n: r.label for n, r in recs.items()},
        state=special_state(special, tenant().timezone), tab="profiles", tenant=tenant(),
    ), status


@bp.get("/<int:special_id>/profiles/<int:profile_id>")
@admin_required
def profile(special_id: int, profile_id: int):
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    prof = special_lookup.profile_of(special, profile_id)
    return _profile_page(special, prof, FormErrors(fields=("name", "routings")))


@bp.post("/<int:special_id>/profiles/<int:profile_id>/rename")
@admin_required
def rename_profile(special_id: int, profile_id: int):
    """« Edition du profil » › « Renommer »."""
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    prof = special_lookup.profile_of(special, profile_id)
    name = request.form.get("name", "").strip()
    try:
        profile_edit.rename_profile(db(), prof, {"name": name})
    except ServiceError as exc:
        discard_changes()
        special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
        return _profile_page(special, special_lookup.profile_of(special, profile_id),
                             FormErrors(field_errors(exc), ("name", "routings")), name=name, status=422)
    return done(_("The profile has been renamed."), "special.profile", special_id=special.id, profile_id=prof.id)


@bp.post("/<int:special_id>/profiles/<int:profile_id>/routings")
@admin_required
def save_routings(special_id: int, profile_id: int):
    """The routings form: the add/remove buttons redraw it, « Enregistrer »
    saves every routing at once (all or nothing)."""
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    prof = special_lookup.profile_of(special, profile_id)
    rows = _form_rows()
    op = request.form.get("op", "save")
    if op != "save":
        return _profile_page(special, prof, FormErrors(fields=("name", "routings")), _edit_rows(rows, op),
                             pending=True)
    try:
        routings.set_routings_from_rows(db(), prof, rows)
    except ServiceError as exc:
        discard_changes()
        special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
        return _profile_page(special, special_lookup.profile_of(special, profile_id),
                             FormErrors(field_errors(exc), ("name", "routings")), rows, pending=True, status=422)
    return done(_("The routings have been saved."), "special.profile", special_id=special.id, profile_id=prof.id)


