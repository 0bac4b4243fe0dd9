"""Reception numbers: create, force a profile, delete a profile, export."""

from __future__ import annotations

from sqlalchemy import select

from orchestrator.domain.errors import Errors
from orchestrator.domain.profiles import rule_columns

from ...db.models import (
    AudioFile,
    HuntMember,
    IvrKey,
    Line,
    ReceptionNumber,
    ReceptionProfile,
    ReceptionRule,
    Tenant,
)
from .. import inventory
from .. import validation as v
from ..base import collecting
from ..context import ServiceContext
from ..lines.service import hold_music_doc
from ..numberprofiles import profiles
from ..numberprofiles.rules import describe
from .kind import RECEPTION
from .schema import HuntGroupDoc, IvrDoc, IvrTargetDoc, ProfileDoc, ReceptionDoc, RuleDoc
from .validator import find_loop, resolve_target, validate_base, validate_hunt


def create(ctx: ServiceContext, tenant: Tenant, doc: ReceptionDoc,
           errors: Errors | None = None) -> ReceptionNumber | None:
    """Create a reception number with its profiles, members, rules and keys."""
    with collecting(errors) as step:
        rec = create_base(ctx, tenant, doc, step.errors)
        if rec is not None:
            create_keys(ctx, tenant, rec, doc, step.errors)
            check_loops(ctx, tenant, step.errors)
        return rec if not step.failed else None


def create_base(ctx: ServiceContext, tenant: Tenant, doc: ReceptionDoc, errors: Errors) -> ReceptionNumber | None:
    """First pass: everything but IVR keys, which may name reception numbers
    created later in the same document."""
    s, region = ctx.session, ctx.settings.default_region
    start = len(errors)
    number = validate_base(s, errors, tenant, doc, region)
    if number and len(errors) == start:
        inventory.allocate(s, errors, "number", tenant, number, "reception")
    rec = ReceptionNumber(tenant_id=tenant.id, number=number, label=doc.label, short_number=doc.short_number)
    by_name: dict[str, ReceptionProfile] = {}
    for i, pdoc in enumerate(doc.profiles):
        with errors.at(f"profiles[{i}]"):
            prof = ReceptionProfile(name=pdoc.name, is_default=pdoc.default, forced=pdoc.name == doc.forced_profile,
                                    position=i, kind="ivr" if pdoc.ivr else "hunt")
            prof.pre_answer_audio_id = v.audio_ref(s, errors, "pre_answer", tenant.id, pdoc.pre_answer, ("pre_answer",))
            if pdoc.hunt_group is not None:
                _store_hunt(ctx, tenant, prof, pdoc.hunt_group, errors)
            if pdoc.ivr is not None:
                with errors.at("ivr"):
                    prof.menu_audio_id = v.audio_ref(s, errors, "menu", tenant.id, pdoc.ivr.menu,
                                                     ("ivr_menu", "pre_answer"))
            rec.profiles.append(prof)
            by_name[pdoc.name] = prof
    if len(errors) > start:
        return None
    s.add(rec)
    s.flush()
    for i, rdoc in enumerate(doc.rules):
        rec.rules.append(ReceptionRule(profile_id=by_name[rdoc.profile].id, **rule_columns(rdoc, i)))
    s.flush()
    ctx.audit(tenant.id, "create", "reception_number", rec.number, label=rec.label)
    ctx.changed(tenant.id)
    return rec


def _store_hunt(ctx: ServiceContext, tenant: Tenant, prof: ReceptionProfile, hunt: HuntGroupDoc,
                errors: Errors) -> None:
    with errors.at("hunt_group"):
        members, vm_line = validate_hunt(ctx.session, errors, tenant, hunt, ctx.settings.default_region)
        prof.hold_music_catalogue, prof.hold_music_audio_id = v.hold_music(
            ctx.session, errors, "hold_music", tenant.id, hunt.hold_music)
    prof.strategy, prof.ring_time, prof.cycles = hunt.strategy, hunt.ring_time, hunt.cycles
    prof.forwards_allowed = hunt.forwards_allowed
    prof.voicemail_line_id = vm_line.id if vm_line else None
    prof.members = [HuntMember(line_id=line.id, position=i) for i, line in enumerate(members)]


def create_keys(ctx: ServiceContext, tenant: Tenant, rec: ReceptionNumber, doc: ReceptionDoc, errors: Errors) -> None:
    """Second pass: IVR keys and fallbacks."""
    region = ctx.settings.default_region
    for i, (pdoc, prof) in enumerate(zip(doc.profiles, rec.profiles, strict=False)):
        if pdoc.ivr is None:
            continue
        targets = dict(pdoc.ivr.keys)
        if pdoc.ivr.fallback is not None:
            targets["fallback"] = pdoc.ivr.fallback
        for digit, target in sorted(targets.items()):
            fld = f"profiles[{i}].ivr.fallback" if digit == "fallback" else f"profiles[{i}].ivr.keys.{digit}"
            with errors.at(fld):
                key = resolve_target(ctx.session, errors, tenant, target, region)
            if key is not None:
                key.digit = digit
                prof.keys.append(key)
    ctx.session.flush()


def check_loops(ctx: ServiceContext, tenant: Tenant, errors: Errors) -> None:
    cycle = find_loop(ctx.session, tenant.id)
    if cycle:
        errors.add("reception.loop", "reception_numbers",
                   f"reception numbers call each other in a loop: {' → '.join(cycle)}; change one of the IVR keys")


def force_profile(ctx: ServiceContext, rec: ReceptionNumber, name: str | None) -> None:
    """T-2: force ``name`` (only it applies), or stop forcing with None
    (:func:`numberprofiles.profiles.force_profile`)."""
    profiles.force_profile(ctx, RECEPTION, rec, name)


def delete_profile(ctx: ServiceContext, prof: ReceptionProfile) -> None:
    """T-3: any profile but the default, while no IVR key forces it; its
    rules go with it (:func:`numberprofiles.profiles.delete_profile`)."""
    profiles.delete_profile(ctx, RECEPTION, prof)


def delete(ctx: ServiceContext, rec: ReceptionNumber) -> None:
    inventory.release(ctx.session, rec.number)
    ctx.audit(rec.tenant_id, "delete", "reception_number", rec.number)
    ctx.changed(rec.tenant_id)
    ctx.session.delete(rec)


def _number(ctx: ServiceContext, model: type, row_id: int | None) -> str | None:
    row = ctx.session.get(model, row_id) if row_id else None
    return row.number if row else None


def _target_doc(ctx: ServiceContext, key: IvrKey) -> IvrTargetDoc:
    if key.action == "hangup":
        return IvrTargetDoc(hangup=True)
    if key.action in ("line", "voicemail"):
        number = _number(ctx, Line, key.line_id)
        return IvrTargetDoc(line=number) if key.action == "line" else IvrTargetDoc(voicemail=number)
    prof = ctx.session.get(ReceptionProfile, key.target_profile_id) if key.target_profile_id else None
    return IvrTargetDoc(reception=_number(ctx, ReceptionNumber, key.target_reception_id),
                        # the ignore below: mode: a str column holding the schema's Literal values
                        mode=key.target_mode, profile=prof.name if prof else None)  # type: ignore[arg-type]


def _audio(ctx: ServiceContext, audio_id: int | None) -> str | None:
    row = ctx.session.get(AudioFile, audio_id) if audio_id else None
    return row.name if row else None


def profile_to_doc(ctx: ServiceContext, prof: ReceptionProfile) -> ProfileDoc:
    hunt = ivr = None
    if prof.kind == "hunt":
        hunt = HuntGroupDoc(
            # the ignore below: strategy: a str column holding the schema's Literal values
            strategy=prof.strategy, ring_time=prof.ring_time, cycles=prof.cycles,  # type: ignore[arg-type]
            forwards_allowed=prof.forwards_allowed, voicemail=_number(ctx, Line, prof.voicemail_line_id),
            hold_music=hold_music_doc(ctx, prof.hold_music_catalogue, prof.hold_music_audio_id),
            # the ignore below: a member's line exists (foreign key): never None
            members=[_number(ctx, Line, m.line_id) for m in prof.members],  # type: ignore[misc]
        )
    else:
        keys = {k.digit: _target_doc(ctx, k) for k in prof.keys if k.digit != "fallback"}
        fallback = next((_target_doc(ctx, k) for k in prof.keys if k.digit == "fallback"), None)
        ivr = IvrDoc(menu=_audio(ctx, prof.menu_audio_id), keys=keys, fallback=fallback)
    return ProfileDoc(name=prof.name, default=prof.is_default, pre_answer=_audio(ctx, prof.pre_answer_audio_id),
                      hunt_group=hunt, ivr=ivr)


def to_doc(ctx: ServiceContext, rec: ReceptionNumber) -> ReceptionDoc:
    rules = [RuleDoc(**describe(RECEPTION, rec, rule)) for rule in rec.rules]
    forced = next((p.name for p in rec.profiles if p.forced), None)
    return ReceptionDoc(number=rec.number, label=rec.label, short_number=rec.short_number, forced_profile=forced,
                        profiles=[profile_to_doc(ctx, p) for p in rec.profiles], rules=rules)


def all_for(ctx: ServiceContext, tenant: Tenant) -> list[ReceptionNumber]:
    return list(ctx.session.scalars(select(ReceptionNumber).where(ReceptionNumber.tenant_id == tenant.id)
                                    .order_by(ReceptionNumber.number)))
