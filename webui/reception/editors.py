"""The editors of a reception profile, shown by several views of the area
(and shown again with their errors): the hunt group (§3.7.6.2) and the voice
menu (§3.7.5)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.db.models import ReceptionNumber, ReceptionProfile
from orchestrator.services.audio import lookup as audio_lookup
from orchestrator.services.lines import lookup as line_lookup
from orchestrator.services.reception import hunt
from orchestrator.services.reception import ivr as ivr_edit
from orchestrator.services.reception import lookup as reception_lookup

from ..common import formdata
from ..common.formdata import FormErrors
from ..common.i18n import phone
from ..common.lineoptions import RING_TIMES, hold_music_options
from ..common.security import db, tenant
from .forms import CYCLES, IVR_FIELDS, KEY_ORDER

Option = tuple[str, str]


def hunt_page(prof: ReceptionProfile, errors: FormErrors, values: dict | None = None, status: int = 200):
    ctx = db()
    doc = hunt.hunt_doc(ctx, prof) if prof.kind == "hunt" else None
    tid = current_user.tenant_id
    all_lines = line_lookup.tenant_lines(ctx.session, tid)
    by_number = {ln.number: ln for ln in all_lines}
    members = [by_number[n] for n in (doc.members if doc else []) if n in by_number]
    return render_template(
        "reception/hunt.html", rec=prof.reception, prof=prof, doc=doc, values=values, errors=errors,
        members=members, candidates=[ln for ln in all_lines if ln not in members],
        vm_options=[(ln.number, f"{phone(ln.number)} — {ln.label}") for ln in all_lines if ln.vm_enabled],
        ring_times=RING_TIMES, cycles=CYCLES, hold_options=hold_music_options(tid),
        hold_choice=formdata.hold_music_choice(doc.hold_music) if doc else "", tenant=tenant(),
        pre_answer_options=audio_options(tid, ("pre_answer",)),
        pre_answer=audio_name(prof.pre_answer_audio_id),
    ), status


def audio_options(tenant_id: int, categories: tuple[str, ...]) -> list[tuple[str, str]]:
    """(value, label) of the company's audio files of these categories
    (« Mes fichiers audio », §3.7.4)."""
    return [(name, name) for name in audio_lookup.names(db().session, tenant_id, categories)]


def audio_name(audio_id: int | None) -> str:
    return audio_lookup.name_of(db().session, current_user.tenant_id, audio_id)


def profile_page(prof: ReceptionProfile, errors: FormErrors, values: dict | None = None, status: int = 200):
    """The editor of a profile: the hunt group or the voice menu (§3.7.6.2)."""
    if prof.kind == "ivr":
        return ivr_page(prof, errors, values, status)
    return hunt_page(prof, errors, values, status)


def target_groups(rec: ReceptionNumber) -> list[tuple[str, list[Option]]]:
    """The choices of one key, grouped as the manual's « Choisissez le type »
    then « Choisissez la redirection »; the reception number itself is left
    out (it would call itself)."""
    s = db().session
    tid = current_user.tenant_id
    lines = line_lookup.tenant_lines(s, tid)
    groups: list[tuple[str, list[Option]]] = [
        ("", [("", _("Nothing")), ("hangup", _("Hang up"))]),
        (_("Phone line"), [(f"line:{ln.number}", _("Line %(label)s (%(number)s)", label=ln.label,
                                                     number=phone(ln.number))) for ln in lines]),
        (_("Voicemail of the phone line"),
         [(f"voicemail:{ln.number}", _("Voicemail of %(label)s (%(number)s)", label=ln.label,
                                       number=phone(ln.number))) for ln in lines if ln.vm_enabled]),
    ]
    others = reception_lookup.tenant_receptions(s, tid, except_id=rec.id)
    for other in others:
        options = [(f"reception:{other.number}:dynamic", _("%(label)s: dynamic profile", label=other.label)),
                   (f"reception:{other.number}:default", _("%(label)s: default profile", label=other.label))]
        options += [(f"reception:{other.number}:profile:{p.name}",
                     _("%(label)s: profile %(name)s", label=other.label, name=p.name))
                    for p in other.profiles if not p.is_default]
        groups.append((_("Reception number %(label)s (%(number)s)", label=other.label, number=phone(other.number)),
                       options))
    return groups


def ivr_page(prof: ReceptionProfile, errors: FormErrors, values: dict | None = None, status: int = 200):
    """The voice-menu editor (also what « Modifier » shows for an IVR profile)."""
    ctx = db()
    doc = ivr_edit.ivr_doc(ctx, prof)
    choices = {d: ivr_edit.target_choice(doc.keys.get(d)) for d in KEY_ORDER}
    choices["fallback"] = ivr_edit.target_choice(doc.fallback)
    sent = values if values is not None and any(k in values for k in IVR_FIELDS) else None
    if sent is not None:  # the menu's form was sent: shown again as it was
        choices = {k: sent.get(f"keys.{k}" if k != "fallback" else k, "") for k in choices}
    groups = target_groups(prof.reception)
    known = {value for _label, options in groups for value, _text in options}
    tid = current_user.tenant_id
    off = [ln for ln in line_lookup.tenant_lines(ctx.session, tid) if not ln.vm_enabled]
    return render_template(
        "reception/ivr.html", rec=prof.reception, prof=prof, doc=doc, errors=errors, values=values,
        choices=choices, groups=groups, known=known, keys=KEY_ORDER, vm_off=off,
        menu_options=audio_options(tid, ivr_edit.MENU_CATEGORIES),
        pre_answer_options=audio_options(tid, ("pre_answer",)),
        menu=sent.get("menu", "") if sent is not None else doc.menu or "",
        pre_answer=sent.get("pre_answer", "") if sent is not None else doc.pre_answer or "",
        tenant=tenant(),
    ), status
