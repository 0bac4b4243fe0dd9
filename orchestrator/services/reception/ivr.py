"""The voice menu of an IVR profile (manual §3.7.5, §3.7.6.2; I-1, I-2):
the pre-answer greeting, the menu prompt, keys 0-9 each to a line, a
line's voicemail, another reception number (its dynamic routing, its
default profile or one named profile) or hang up, and the fallback after
three invalid or missing keys (default: hang up).

Targets are checked by :func:`validator.resolve_target`; reception numbers
calling each other in a loop are refused (``reception.loop``, on the key
that closes it).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrator.domain.errors import Errors

from ...db.models import IvrKey, ReceptionNumber, ReceptionProfile
from .. import validation as v
from ..base import Doc, collecting, parse_doc
from ..context import ServiceContext
from .profiles import require_kind
from .schema import IvrTargetDoc
from .service import profile_to_doc
from .validator import DIGITS, find_loop, resolve_target

MENU_CATEGORIES = ("ivr_menu", "pre_answer")


class IvrEditDoc(Doc):
    """One IVR profile as its editor shows it; a key left out does nothing."""

    pre_answer: str | None = Field(None, description="Audio file (pre_answer) played before the menu")
    menu: str | None = Field(None, description="Audio file (ivr_menu or pre_answer) listing the choices")
    keys: dict[str, IvrTargetDoc] = Field(default_factory=dict, description="Keys '0'-'9'")
    fallback: IvrTargetDoc | None = Field(None, description="After 3 invalid or missing keys; null: hang up")


def ivr_doc(ctx: ServiceContext, prof: ReceptionProfile) -> IvrEditDoc:
    require_kind(prof, "ivr")
    doc = profile_to_doc(ctx, prof)
    ivr = doc.ivr
    return IvrEditDoc(pre_answer=doc.pre_answer, menu=ivr.menu if ivr else None,
                      keys=dict(sorted(ivr.keys.items())) if ivr else {}, fallback=ivr.fallback if ivr else None)


def update_ivr(ctx: ServiceContext, prof: ReceptionProfile, data: dict[str, Any]) -> ReceptionProfile:
    """Save the whole voice menu (« Enregistrer »). On a loop the session
    holds the new keys: the caller rolls back (views and API do)."""
    require_kind(prof, "ivr")
    doc: IvrEditDoc = parse_doc(IvrEditDoc, data)
    rec: ReceptionNumber = prof.reception
    tenant = ctx.tenant(rec.tenant_id)
    s, region = ctx.session, ctx.settings.default_region
    with collecting(None) as step:
        errors = step.errors
        pre_answer = v.audio_ref(s, errors, "pre_answer", tenant.id, doc.pre_answer, ("pre_answer",))
        menu = v.audio_ref(s, errors, "menu", tenant.id, doc.menu, MENU_CATEGORIES)
        keys: list[IvrKey] = []
        targets = {**doc.keys, **({"fallback": doc.fallback} if doc.fallback is not None else {})}
        for digit, target in targets.items():
            fld = "fallback" if digit == "fallback" else f"keys.{digit}"
            if digit != "fallback" and digit not in DIGITS:
                errors.add("ivr.key", fld, f"{digit!r} is not a key: use 0 to 9")
                continue
            with errors.at(fld):
                key = resolve_target(s, errors, tenant, target, region)
            if key is not None:
                key.digit = digit
                keys.append(key)
        if step.failed:
            return prof
        prof.pre_answer_audio_id, prof.menu_audio_id = pre_answer, menu
        prof.keys.clear()
        s.flush()  # (profile, digit) is unique: the old keys go first
        prof.keys.extend(sorted(keys, key=lambda k: k.digit))
        s.flush()
        cycle = find_loop(s, tenant.id)
        if cycle:
            message = f"reception numbers would call each other in a loop: {' → '.join(cycle)}"
            closing = [k.digit for k in keys if k.target_reception_id is not None
                       and _number(ctx, k.target_reception_id) in cycle]
            for digit in closing or ["keys"]:
                errors.add("reception.loop", digit if digit in ("fallback", "keys") else f"keys.{digit}", message)
            return prof
    ctx.audit(rec.tenant_id, "update", "ivr", f"{rec.number}/{prof.name}", **doc.model_dump(exclude_none=True))
    ctx.changed(rec.tenant_id)
    return prof


def _number(ctx: ServiceContext, rec_id: int) -> str | None:
    row = ctx.session.get(ReceptionNumber, rec_id)
    return row.number if row is not None else None


def target_choice(target: IvrTargetDoc | None) -> str:
    """One key's target as the editor's single select value: ``line:+33…``,
    ``voicemail:+33…``, ``reception:+33…:dynamic|default``,
    ``reception:+33…:profile:<name>``, ``hangup`` or empty (nothing)."""
    if target is None:
        return ""
    if target.hangup:
        return "hangup"
    if target.line:
        return f"line:{target.line}"
    if target.voicemail:
        return f"voicemail:{target.voicemail}"
    if target.reception:
        mode = target.mode or "dynamic"
        return f"reception:{target.reception}:{mode}" + (f":{target.profile}" if mode == "profile" else "")
    return ""


def target_of_choice(errors: Errors, fld: str, value: str) -> dict[str, Any] | None:
    """The reverse of :func:`target_choice` (None: nothing)."""
    kind, _, rest = (value or "").strip().partition(":")
    if not kind:
        return None
    if kind == "hangup":
        return {"hangup": True}
    if kind in ("line", "voicemail") and rest:
        return {kind: rest}
    if kind == "reception" and rest:
        number, _, tail = rest.partition(":")
        mode, _, profile = tail.partition(":")
        out: dict[str, Any] = {"reception": number, "mode": mode or "dynamic"}
        if mode == "profile":
            out["profile"] = profile
        return out
    errors.add("field.choice", fld, f"{value!r} is not a target: choose one of the list")
    return None


def fields_to_doc(errors: Errors, form: Any) -> dict[str, Any]:
    """The editor's form (``menu``, ``pre_answer``, ``keys.0``…``keys.9``,
    ``fallback``) → an :class:`IvrEditDoc` dictionary; a choice that is not
    one of the list is an error on its key (and the key is left out)."""
    keys = {}
    for digit in DIGITS:
        target = target_of_choice(errors, f"keys.{digit}", form.get(f"keys.{digit}", ""))
        if target is not None:
            keys[digit] = target
    fallback = target_of_choice(errors, "fallback", form.get("fallback", ""))
    return {"pre_answer": (form.get("pre_answer") or "").strip() or None,
            "menu": (form.get("menu") or "").strip() or None, "keys": keys, "fallback": fallback}
