"""Config as code: a tenant as one YAML document."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.db import Base
from orchestrator.db.models import AuditEntry, Line, Login, PhoneNumber, ReceptionNumber, Tenant
from orchestrator.domain.errors import ValidationFailed
from orchestrator.tenantdoc import export, importer


def snapshot(ctx) -> dict[str, int]:
    """Row counts of every configuration table (the audit log aside)."""
    ctx.session.expire_all()
    return {t.name: ctx.session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables if t.name != "audit_log"}


def load_demo(rt):
    with rt.context() as ctx:
        return importer.import_document(ctx, importer.load_yaml(demo_yaml()))


def test_demo_loads_with_the_manual_figures(rt):
    result = load_demo(rt)
    assert result.created
    with rt.context() as ctx:
        tenant = ctx.tenant("Bauer SA")
        labels = ctx.session.scalars(select(Line.label).where(Line.tenant_id == tenant.id).order_by(Line.label)).all()
        assert labels == ["Jacques", "James Bond", "Paul", "Pierre"]
        doc = export.build(ctx, tenant)
    assert [f.label for f in doc.fax_lines] == ["Fax Commandes"]
    acc1, acc2 = doc.reception_numbers
    assert acc1.label == "Accueil 1" and acc2.label == "Accueil 2"
    ouverture = acc1.profiles[1]
    hunt_group = ouverture.hunt_group
    assert (ouverture.name, hunt_group.strategy, hunt_group.cycles) == ("Ouverture", "sequential", 3)
    assert [(r.days, r.hours, r.profile) for r in acc1.rules] == [
        ("mon-fri", "08:00-12:00", "Ouverture"), ("mon-fri", "14:00-18:00", "Ouverture")]
    assert acc1.profiles[0].default and acc1.profiles[0].hunt_group.voicemail == "+33175000101"
    keys = acc2.profiles[0].ivr.keys
    assert keys["1"].line == "+33175000101"
    assert keys["2"].voicemail == "+33175000102"
    assert (keys["3"].reception, keys["3"].mode) == ("+33175000120", "dynamic")
    sav = doc.special_numbers[0]
    assert sav.label == "SAV"
    assert [[d.percent for d in r.destinations] for r in sav.profiles[0].routings] == [[50, 50], [100]]
    assert [lst.name for lst in doc.directory.lists] == ["Direction", "RH", "Comptabilité", "RetD", "Ventes"]
    roles = sorted(login.role for login in doc.logins)
    assert roles == ["admin", "user", "user", "user", "user"]


def test_round_trip_is_byte_identical(rt, migrated_engine):
    """With its secrets (``--with-secrets``); tests/test_secrets_at_rest.py has the masked export."""
    load_demo(rt)
    with rt.context() as ctx:
        first = export.export_yaml(ctx, ctx.tenant("Bauer SA"), with_secrets=True)
    # empty the database, import the export, export again
    with rt.context() as ctx:
        from orchestrator.services.tenants import service as tenants_service
        tenants_service.delete_tenant(ctx, ctx.tenant("Bauer SA"))
        ctx.commit()
        assert ctx.session.scalar(select(func.count()).select_from(Tenant)) == 0
    with rt.context() as ctx:
        importer.import_document(ctx, importer.load_yaml(first))
    with rt.context() as ctx:
        second = export.export_yaml(ctx, ctx.tenant("Bauer SA"), with_secrets=True)
    assert second == first
    assert "password_hash: $scrypt$" in first
    assert "bauer-admin" not in first


def test_broken_document_changes_nothing_and_lists_every_error(rt):
    load_demo(rt)
    with rt.context() as ctx:
        data = export.to_data(export.build(ctx, ctx.tenant("Bauer SA")))
        before = snapshot(ctx)
        revision = ctx.tenant("Bauer SA").revision
    broken = copy.deepcopy(data)
    broken["lines"][0]["label"] = "Pierre Nouveau"  # a valid change that must not land
    broken["reception_numbers"][0]["profiles"][1]["hunt_group"]["members"][2] = "+33175000099"
    broken["special_numbers"][0]["profiles"][0]["routings"][0]["destinations"][0]["percent"] = 10
    broken["devices"][0]["mac"] = "not-a-mac"
    with rt.context() as ctx:
        with pytest.raises(ValidationFailed) as exc:
            importer.import_document(ctx, broken, replace=True)
    messages = [str(e) for e in exc.value.errors]
    assert "reception_numbers[0].profiles[1].hunt_group.members[2]: unknown line +33175000099" in messages
    fields = [e.field for e in exc.value.errors]
    assert "special_numbers[0].profiles[0].routings[0].destinations" in fields
    assert "devices[0].mac" in fields
    with rt.context() as ctx:
        assert snapshot(ctx) == before
        assert ctx.tenant("Bauer SA").revision == revision
        assert ctx.session.scalar(select(Line.label).where(Line.number == "+33175000101")) == "Pierre"


def test_schema_errors_carry_paths(rt):
    data = importer.load_yaml(demo_yaml())
    data["lines"][1]["ring_tme"] = 10
    data["lines"][2]["status"] = "sleeping"
    del data["fax_lines"][0]["email"]
    with rt.context() as ctx:
        with pytest.raises(ValidationFailed) as exc:
            importer.import_document(ctx, data)
    got = {(e.field, e.error_id) for e in exc.value.errors}
    assert ("lines[1].ring_tme", "field.unknown") in got
    assert ("lines[2].status", "field.choice") in got
    assert ("fax_lines[0].email", "field.required") in got
    with rt.context() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Tenant)) == 0


def test_existing_tenant_needs_replace(rt):
    load_demo(rt)
    with rt.context() as ctx:
        with pytest.raises(ValidationFailed) as exc:
            importer.import_document(ctx, importer.load_yaml(demo_yaml()))
    assert exc.value.errors[0].error_id == "tenant.exists"
    assert "--replace" in exc.value.errors[0].message


def test_dry_run_reports_changes_and_changes_nothing(rt):
    load_demo(rt)
    with rt.context() as ctx:
        data = export.to_data(export.build(ctx, ctx.tenant("Bauer SA")))
        before = snapshot(ctx)
    data["lines"][1]["ring_time"] = 30
    data["fax_lines"] = []
    with rt.context() as ctx:
        result = importer.import_document(ctx, data, replace=True, dry_run=True)
    assert result.dry_run
    assert "~ lines[+33175000102].ring_time: 25 → 30" in result.changes
    assert "- fax_lines" in result.changes
    with rt.context() as ctx:
        assert snapshot(ctx) == before
        assert ctx.session.scalar(select(Line.ring_time).where(Line.number == "+33175000102")) == 25


def test_replace_applies_changes_and_frees_numbers(rt):
    load_demo(rt)
    with rt.context() as ctx:
        data = export.to_data(export.build(ctx, ctx.tenant("Bauer SA")))
    data["fax_lines"] = []
    data["lines"][0]["label"] = "Pierre D."
    with rt.context() as ctx:
        result = importer.import_document(ctx, data, replace=True)
    assert "~ lines[+33175000101].label: 'Pierre' → 'Pierre D.'" in result.changes
    with rt.context() as ctx:
        fax = ctx.session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+33175000110"))
        assert fax.usage is None  # back in the pool, still reserved for the tenant
        assert ctx.session.scalar(select(Line.label).where(Line.number == "+33175000101")) == "Pierre D."
        # the passwords survived the replace (hashes round-trip)
        assert ctx.session.scalar(select(func.count()).select_from(Login)) == 5
        assert ctx.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "import")) == 2


def test_yaml_syntax_error_has_a_position():
    with pytest.raises(ValidationFailed) as exc:
        importer.load_yaml("tenant:\n  name: [unclosed\n")
    err = exc.value.errors[0]
    assert err.error_id == "yaml.syntax"
    assert err.field.startswith("line ")


def test_import_into_another_tenant_cannot_steal_numbers(rt):
    load_demo(rt)
    data = importer.load_yaml(demo_yaml())
    data["tenant"]["name"] = "Copycat"
    data["tenant"]["sip_domain"] = "copycat.test"
    with rt.context() as ctx:
        with pytest.raises(ValidationFailed) as exc:
            importer.import_document(ctx, data)
    taken = [e for e in exc.value.errors if e.error_id == "number.taken"]
    assert {e.field for e in taken} >= {"lines[0].number", "fax_lines[0].number", "reception_numbers[0].number",
                                        "special_numbers[0].number"}
    assert any(e.error_id == "mac.taken" for e in exc.value.errors)
    with rt.context() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(ReceptionNumber)) == 2
