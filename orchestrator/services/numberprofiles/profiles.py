"""The profiles of a number with profiles (reception or special, see
:class:`.kind.NumberKind`): name checks, free names for copies, create,
rename, duplicate, force / unforce, delete (never the default profile,
never while something points to it; its rules go with it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrator.domain.errors import Errors, ServiceError

from ..base import collecting
from ..context import ServiceContext
from ..validation import single_line_text
from .kind import NumberKind
from .rules import renumber


def number_of(kind: NumberKind, row: Any) -> Any:
    """The number a profile or a rule belongs to."""
    return getattr(row, kind.parent_attr)


def profile_key(kind: NumberKind, prof: Any) -> str:
    """``<number>/<profile name>``: the audit key of a profile."""
    return f"{number_of(kind, prof).number}/{prof.name}"


def get_profile(number: Any, profile_id: int) -> Any | None:
    return next((p for p in number.profiles if p.id == profile_id), None)


def has_custom_profile(number: Any) -> bool:
    return any(not p.is_default for p in number.profiles)


def check_name(errors: Errors, kind: NumberKind, number: Any, name: str, current: Any | None = None) -> None:
    """A single line of text, unique among the profiles of ``number`` but
    ``current`` (the one being renamed); errors on ``name``."""
    single_line_text(errors, "name", name)
    if any(p.name == name and p is not current for p in number.profiles):
        errors.add("profile.name_taken", "name", kind.name_taken.format(name=name))


def free_name(kind: NumberKind, number: Any, base: str) -> str:
    """A name no profile of ``number`` has, for a copy of ``base``."""
    scheme = kind.names
    taken = {p.name for p in number.profiles}
    base = base[:scheme.max_length]
    if scheme.base_if_free and base not in taken:
        return base
    n = 2
    while True:
        suffix = scheme.suffix.format(n=n)
        cut = base[:scheme.max_length - len(suffix)]
        name = (cut.rstrip() if scheme.strip_cut else cut) + suffix
        if name not in taken:
            return name
        n += 1


def _append(ctx: ServiceContext, number: Any, prof: Any) -> None:
    """Last in the list, neither default nor forced."""
    prof.position = max((p.position for p in number.profiles), default=-1) + 1
    prof.is_default, prof.forced = False, False
    number.profiles.append(prof)
    ctx.session.flush()


def create_profile(ctx: ServiceContext, kind: NumberKind, number: Any, name: str,
                   columns: Mapping[str, Any] | None = None) -> Any:
    """A new custom profile named ``name`` with ``columns`` (recorded in the
    audit entry too); the name is checked first."""
    with collecting(None) as step:
        check_name(step.errors, kind, number, name)
    prof = kind.profile_model(name=name, **(columns or {}))
    _append(ctx, number, prof)
    ctx.audit(number.tenant_id, "create", kind.audit_profile, profile_key(kind, prof), **(columns or {}))
    ctx.changed(number.tenant_id)
    return prof


def rename_profile(ctx: ServiceContext, kind: NumberKind, prof: Any, name: str) -> Any:
    number = number_of(kind, prof)
    with collecting(None) as step:
        check_name(step.errors, kind, number, name, current=prof)
    before, prof.name = profile_key(kind, prof), name
    ctx.session.flush()
    ctx.audit(number.tenant_id, "rename", kind.audit_profile, before, name=name)
    ctx.changed(number.tenant_id)
    return prof


def duplicate_profile(ctx: ServiceContext, kind: NumberKind, prof: Any, name: str) -> Any:
    """A copy named ``name`` of what :attr:`NumberKind.copy_content` copies,
    last, never default nor forced, without rules."""
    number = number_of(kind, prof)
    with collecting(None) as step:
        check_name(step.errors, kind, number, name)
    copy = kind.profile_model(name=name)
    kind.copy_content(prof, copy)
    _append(ctx, number, copy)
    ctx.audit(number.tenant_id, "duplicate", kind.audit_profile, profile_key(kind, prof),
              **{kind.copy_audit_key: name})
    ctx.changed(number.tenant_id)
    return copy


def force_profile(ctx: ServiceContext, kind: NumberKind, number: Any, name: str | None) -> None:
    """T-2: force the profile ``name`` (only it applies), or stop forcing with None."""
    if name is not None and name not in [p.name for p in number.profiles]:
        raise ServiceError(f"{kind.label} {number.number} has no profile {name!r}", error_id="profile.unknown",
                           field="forced_profile")
    for prof in number.profiles:
        prof.forced = prof.name == name
    ctx.audit(number.tenant_id, "force" if name else "unforce", kind.audit_number, number.number, profile=name)
    ctx.changed(number.tenant_id)


def force(ctx: ServiceContext, kind: NumberKind, number: Any, prof: Any | None) -> None:
    """:func:`force_profile` by profile row (None: stop forcing); flushed."""
    if prof is not None and getattr(prof, f"{kind.parent_attr}_id") != number.id:
        raise ServiceError(f"this profile belongs to another {kind.label}", error_id="profile.unknown",
                           field="profile")
    force_profile(ctx, kind, number, prof.name if prof is not None else None)
    ctx.session.flush()


def check_deletable(ctx: ServiceContext, kind: NumberKind, prof: Any) -> None:
    """T-3: never the default profile (``profile.default_undeletable``), never
    while something points to it (``profile.in_use``, :attr:`NumberKind.users`)."""
    if prof.is_default:
        raise ServiceError("the default profile cannot be deleted", error_id="profile.default_undeletable",
                           field="profile")
    users = kind.users(ctx, prof)
    if users:
        raise ServiceError(f"profile {prof.name!r} is forced by {'; '.join(users)}: change them first",
                           error_id="profile.in_use", field="profile")


def delete_profile(ctx: ServiceContext, kind: NumberKind, prof: Any) -> int:
    """Delete a custom profile and the rules that select it; returns how many
    rules went. Where rules need a custom profile, the remaining rules go
    too once none is left, and the rest are renumbered."""
    check_deletable(ctx, kind, prof)
    number = number_of(kind, prof)
    before = len(number.rules)
    ctx.audit(number.tenant_id, "delete", kind.audit_profile, profile_key(kind, prof))
    ctx.changed(number.tenant_id)
    for rule in [r for r in number.rules if r.profile_id == prof.id]:
        number.rules.remove(rule)
    ctx.session.flush()  # rules first: the database would cascade them otherwise
    number.profiles.remove(prof)
    ctx.session.flush()
    if kind.rules_need_custom:
        if not has_custom_profile(number) and number.rules:
            number.rules.clear()
            ctx.session.flush()
        renumber(number, list(number.rules))
        ctx.session.flush()
    return before - len(number.rules)
