"""The one implementation of profiles, forcing, rules and profile deletion
(:mod:`orchestrator.services.numberprofiles`), run over both kinds of
numbers that have them: reception numbers and special numbers. Where they
differ (copy names, what a duplicate copies, what blocks a deletion, the
audit keys of rules) the kind says so. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from helpers import error_fields, error_ids, hunt, make_line, make_reception, make_special, make_tenant
from sqlalchemy import select

from orchestrator.db.models import AuditEntry, ReceptionNumber, SpecialNumber
from orchestrator.domain.errors import ServiceError, ValidationFailed
from orchestrator.services.numberprofiles import profiles, rules
from orchestrator.services.numberprofiles.kind import NumberKind
from orchestrator.services.reception.kind import RECEPTION
from orchestrator.services.special.kind import SPECIAL

KINDS = [pytest.param(RECEPTION, id="reception"), pytest.param(SPECIAL, id="special")]


@dataclass
class RuleIn:
    profile: str
    days: str = "all"
    hours: str = "all"
    origins: list[str] = field(default_factory=list)


def make_number(ctx: Any, kind: NumberKind) -> Any:
    """A number of ``kind`` with its default profile ``Base`` whose content
    (a member, a routing) a duplicate copies."""
    tenant = make_tenant(ctx)
    make_line(ctx, tenant, "+33175000101", "Alice")
    if kind is RECEPTION:
        return make_reception(ctx, tenant, {"number": "+33175000150", "label": "Accueil",
                                            "profiles": [hunt("Base", members=["+33175000101"])]})
    return make_special(ctx, tenant, {"number": "+33811000150", "label": "SAV", "profiles": [
        {"name": "Base", "default": True, "routings": [{"destinations": [{"number": "+33175000101"}]}]}]})


def content(kind: NumberKind, prof: Any) -> list[Any]:
    """What a duplicate copies: hunt members, routing destinations."""
    if kind is RECEPTION:
        return [m.line_id for m in prof.members]
    return [(d.number, d.percent) for r in prof.routings for d in r.destinations]


def number_of(ctx: Any, kind: NumberKind) -> Any:
    model = ReceptionNumber if kind is RECEPTION else SpecialNumber
    return ctx.session.scalar(select(model))


def audits(ctx: Any, object_type: str) -> list[tuple[str, str, dict[str, Any]]]:
    rows = ctx.session.scalars(select(AuditEntry).where(AuditEntry.object_type == object_type)
                               .order_by(AuditEntry.id))
    return [(a.action, a.object_key, json.loads(a.details)) for a in rows]


@pytest.mark.parametrize("kind", KINDS)
def test_create_and_rename_check_names(rt, kind):
    with rt.context(actor="test") as ctx:
        num = make_number(ctx, kind)
        soir = profiles.create_profile(ctx, kind, num, "Soir")
        assert [(p.name, p.position, p.is_default, p.forced) for p in num.profiles] == [
            ("Base", 0, True, False), ("Soir", 1, False, False)]
        for name, error_id in (("Soir", "profile.name_taken"), ("Tab\there", "text.control_chars")):
            with pytest.raises(ValidationFailed) as exc:
                profiles.create_profile(ctx, kind, num, name)
            assert error_ids(exc) == [error_id] and error_fields(exc) == ["name"]
        profiles.rename_profile(ctx, kind, soir, "Soir")  # its own name is fine
        with pytest.raises(ValidationFailed) as exc:
            profiles.rename_profile(ctx, kind, soir, "Base")
        assert error_ids(exc) == ["profile.name_taken"]
        profiles.rename_profile(ctx, kind, soir, "Nuit")
        assert [p.name for p in num.profiles] == ["Base", "Nuit"]
        assert [(a, k) for a, k, _ in audits(ctx, kind.audit_profile)] == [
            ("create", f"{num.number}/Soir"), ("rename", f"{num.number}/Soir"), ("rename", f"{num.number}/Soir")]


@pytest.mark.parametrize("kind", KINDS)
def test_duplicate_copies_the_content_under_a_free_name(rt, kind):
    with rt.context(actor="test") as ctx:
        num = make_number(ctx, kind)
        base = num.profiles[0]
        profiles.force_profile(ctx, kind, num, "Base")
        name = profiles.free_name(kind, num, "Base")
        assert name == ("Base (2)" if kind is RECEPTION else "Base 2")
        copy = profiles.duplicate_profile(ctx, kind, base, name)
        assert (copy.name, copy.position, copy.is_default, copy.forced) == (name, 1, False, False)
        assert content(kind, copy) == content(kind, base) and content(kind, copy)
        assert profiles.free_name(kind, num, "Base") == ("Base (3)" if kind is RECEPTION else "Base 3")
        assert len(profiles.free_name(kind, num, "x" * 100)) == 80
        with pytest.raises(ValidationFailed) as exc:
            profiles.duplicate_profile(ctx, kind, base, name)
        assert error_ids(exc) == ["profile.name_taken"]
        assert audits(ctx, kind.audit_profile) == [
            ("duplicate", f"{num.number}/Base", {kind.copy_audit_key: name})]


@pytest.mark.parametrize("kind", KINDS)
def test_force_and_unforce(rt, kind):
    with rt.context(actor="test") as ctx:
        num = make_number(ctx, kind)
        soir = profiles.create_profile(ctx, kind, num, "Soir")
        profiles.force(ctx, kind, num, soir)
        assert [p.forced for p in num.profiles] == [False, True]
        profiles.force_profile(ctx, kind, num, None)
        assert not any(p.forced for p in num.profiles)
        with pytest.raises(ServiceError) as exc:
            profiles.force_profile(ctx, kind, num, "Nope")
        assert (exc.value.error_id, exc.value.field) == ("profile.unknown", "forced_profile")
        assert audits(ctx, kind.audit_number)[-2:] == [("force", num.number, {"profile": "Soir"}),
                                                       ("unforce", num.number, {"profile": None})]


@pytest.mark.parametrize("kind", KINDS)
def test_delete_takes_the_rules_never_the_default_nor_a_profile_in_use(rt, kind):
    with rt.context(actor="test") as ctx:
        num = make_number(ctx, kind)
        soir = profiles.create_profile(ctx, kind, num, "Soir")
        nuit = profiles.create_profile(ctx, kind, num, "Nuit")
        for name in ("Soir", "Nuit", "Soir"):
            rules.add_rule(ctx, kind, num, RuleIn(name, days="mon-fri"))
        with pytest.raises(ServiceError) as exc:
            profiles.delete_profile(ctx, kind, num.profiles[0])
        assert exc.value.error_id == "profile.default_undeletable"
        in_use = dataclasses.replace(kind, users=lambda ctx, prof: ["key 1 of somewhere"])
        with pytest.raises(ServiceError) as exc:
            profiles.delete_profile(ctx, in_use, soir)
        assert (exc.value.error_id, exc.value.field) == ("profile.in_use", "profile")
        assert profiles.delete_profile(ctx, kind, soir) == 2
        assert [(r.profile_id, r.priority) for r in num.rules] == [(nuit.id, 0 if kind.rules_need_custom else 1)]
        assert profiles.delete_profile(ctx, kind, nuit) == 1
        assert [p.name for p in num.profiles] == ["Base"] and num.rules == []


@pytest.mark.parametrize("kind", KINDS)
def test_rules_add_move_and_delete_keep_their_rows(rt, kind):
    with rt.context(actor="test") as ctx:
        num = make_number(ctx, kind)
        profiles.create_profile(ctx, kind, num, "Soir")
        a = rules.add_rule(ctx, kind, num, RuleIn("Soir", days="mon"))
        b = rules.add_rule(ctx, kind, num, RuleIn("Soir", days="tue"))
        c = rules.add_rule(ctx, kind, num, RuleIn("Base", days="wed"), position=1)
        assert list(num.rules) == [c, a, b]
        rules.move_rule(ctx, kind, num, b, "up")
        rules.move_rule(ctx, kind, num, c, "up")  # already first: stays
        assert list(num.rules) == [c, b, a] and [r.priority for r in num.rules] == [0, 1, 2]
        rules.update_rule(ctx, kind, num, b, RuleIn("Base", days="thu", hours="08:00-12:00"))
        assert rules.describe(kind, num, b)["days"] == "thu" and list(num.rules) == [c, b, a]
        rules.delete_rule(ctx, kind, num, c)
        assert list(num.rules) == [b, a] and [r.priority for r in num.rules] == [0, 1]
        with pytest.raises(ValidationFailed) as exc:
            rules.add_rule(ctx, kind, num, RuleIn("Nope", days="31/02"))
        assert (error_ids(exc), error_fields(exc)) == (["rule.days", "profile.unknown"], ["days", "profile"])
        assert [action for action, _, _ in audits(ctx, "reception_rule" if kind is RECEPTION else "special_rule")] == [
            "create", "create", "create", "move", "move", "update", "delete"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_rule_of_another_number_is_refused(rt, kind):
    with rt.context(actor="test") as ctx:
        num = make_number(ctx, kind)
        profiles.create_profile(ctx, kind, num, "Soir")
        rule = rules.add_rule(ctx, kind, num, RuleIn("Soir"))
        stranger = kind.rule_model(priority=0)
        with pytest.raises(ServiceError) as exc:
            rules.move_rule(ctx, kind, num, stranger, "up")
        assert exc.value.error_id == "rule.unknown"
        assert list(num.rules) == [rule]
