"""« Standard automatique SVI » (manual §3.7.5, §3.7.6.2; I-1, I-2): the
editor of a voice-menu profile. The pre-answer greeting and the menu prompt
(the company's audio files), each key 0-9 to a phone line, a line's
voicemail, another reception number (« Profil dynamique », « Profil par
défaut » or one of its profiles) or hang up, and the fallback after three
invalid or missing keys. Loops between reception numbers are refused.

Routes of the ``reception`` blueprint; the writes go through
:mod:`orchestrator.services.reception.ivr_edit`.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from orchestrator.db.models import Line, ReceptionNumber, ReceptionProfile
from orchestrator.domain.errors import Errors, ServiceError
from orchestrator.services.reception import ivr_edit

from .admin_reception import _profile_or_404, audio_options, bp
from .formdata import FormErrors, field_errors
from .i18n import phone
from .security import admin_required, db, tenant
from .common.uow import discard_changes

KEY_ORDER = tuple("1234567890")  # as the manual's table lists them
IVR_FIELDS = ("pre_answer", "menu", "fallback", *(f"keys.{d}" for d in KEY_ORDER))

Option = tuple[str, str]


def target_groups(rec: ReceptionNumber) -> list[tuple[str, list[Option]]]:
    """The choices of one key, grouped as the manual's « Choisissez le type »
    then « Choisissez la redirection »; the reception number itself is left
    out (it would call itself)."""
    s = db().session
    tid = current_user.tenant_id
    lines = s.scalars(select(Line).where(Line.tenant_id == tid).order_by(Line.number)).all()
    groups: list[tuple[str, list[Option]]] = [
        ("", [("", _("Nothing")), ("hangup", _("Hang up"))]),
        (_("Phone line"), [(f"line:{ln.number}", _("Line %(label)s (%(number)s)", label=ln.label,
                                                     number=phone(ln.number))) for ln in lines]),
        (_("Voicemail of the phone line"),
         [(f"voicemail:{ln.number}", _("Voicemail of %(label)s (%(number)s)", label=ln.label,
                                       number=phone(ln.number))) for ln in lines if ln.vm_enabled]),
    ]
    others = s.scalars(select(ReceptionNumber).where(ReceptionNumber.tenant_id == tid, ReceptionNumber.id != rec.id)
                       .order_by(ReceptionNumber.number)).all()
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
    off = [ln for ln in ctx.session.scalars(select(Line).where(Line.tenant_id == tid).order_by(Line.number))
           if not ln.vm_enabled]
    return render_template(
        "reception/ivr.html", rec=prof.reception, prof=prof, doc=doc, errors=errors, values=values,
        choices=choices, groups=groups, known=known, keys=KEY_ORDER, vm_off=off,
        menu_options=audio_options(tid, ivr_edit.MENU_CATEGORIES),
        pre_answer_options=audio_options(tid, ("pre_answer",)),
        menu=sent.get("menu", "") if sent is not None else doc.menu or "",
        pre_answer=sent.get("pre_answer", "") if sent is not None else doc.pre_answer or "",
        tenant=tenant(),
    ), status


@bp.get("/<int:rec_id>/profiles/<int:profile_id>/ivr")
@admin_required
def ivr(rec_id: int, profile_id: int):
    prof = _profile_or_404(rec_id, profile_id)
    if prof.kind != "ivr":  # a hunt group has its own editor
        return redirect(url_for("reception.profile", rec_id=rec_id, profile_id=profile_id))
    return ivr_page(prof, FormErrors(fields=IVR_FIELDS))


@bp.post("/<int:rec_id>/profiles/<int:profile_id>/ivr")
@admin_required
def save_ivr(rec_id: int, profile_id: int):
    """« Enregistrer »: the whole voice menu at once."""
    ctx = db()
    prof = _profile_or_404(rec_id, profile_id)
    errors = Errors()
    data = ivr_edit.fields_to_doc(errors, request.form)
    try:
        ivr_edit.update_ivr(ctx, prof, data)  # checked even after a bad choice: every error at once
    except ServiceError as exc:
        errors.items.extend(field_errors(exc))
    if errors:
        discard_changes()
        prof = _profile_or_404(rec_id, profile_id)
        if prof.kind != "ivr":
            flash(_("This profile is not a voice menu."), "error")
            return redirect(url_for("reception.profile", rec_id=rec_id, profile_id=profile_id))
        return ivr_page(prof, FormErrors(errors.items, IVR_FIELDS), dict(request.form), 422)
    flash(_("The voice menu has been saved."), "ok")
    return redirect(url_for("reception.ivr", rec_id=rec_id, profile_id=profile_id))
