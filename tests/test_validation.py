"""One failing-input test per validation rule of the service layer, each
checking the stable error id and the field; and that nothing was stored."""

from __future__ import annotations

import json

import pytest
from helpers import error_fields, error_ids, hunt, make_line, make_reception, make_special, make_tenant
from sqlalchemy import func, select

from orchestrator.db.models import AuditEntry, Device, Line, Login, ReceptionProfile, Tenant
from orchestrator.domain.errors import ServiceError, ValidationFailed
from orchestrator.services.base import parse_doc
from orchestrator.services.devices import service as devices_service
from orchestrator.services.devices.schema import DeviceDoc
from orchestrator.services.directory import service as directory_service
from orchestrator.services.directory.schema import ContactDoc
from orchestrator.services.lines import service as lines_service
from orchestrator.services.logins import service as logins_service
from orchestrator.services.logins.schema import LoginDoc
from orchestrator.services.passwords import verify_password
from orchestrator.services.reception import service as reception_service


def count(ctx, model) -> int:
    return ctx.session.scalar(select(func.count()).select_from(model))


def test_number_is_normalised_to_e164(ctx):
    tenant = make_tenant(ctx)
    line = make_line(ctx, tenant, "01 75 00 00 01")
    assert line.number == "+33175000001"
    assert line.sip_username == "0175000001"


def test_invalid_number_is_refused(ctx):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_line(ctx, tenant, "01 75 00")
    assert error_ids(exc) == ["number.invalid"]
    assert error_fields(exc) == ["number"]
    assert count(ctx, Line) == 0


def test_line_needs_geographic_or_voip_number(ctx):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_line(ctx, tenant, "0612345678")
    assert error_ids(exc) == ["number.kind"]


def test_numbers_are_unique_across_the_platform(ctx):
    a = make_tenant(ctx, "Alpha")
    b = make_tenant(ctx, "Beta")
    make_line(ctx, a, "+33175000001")
    with pytest.raises(ValidationFailed) as exc:
        make_line(ctx, b, "0175000001")
    assert error_ids(exc) == ["number.taken"]
    assert "another company" in exc.value.errors[0].message
    # a reception number cannot take a line's number either
    with pytest.raises(ValidationFailed) as exc:
        make_reception(ctx, a, {"number": "+33175000001", "label": "R", "profiles": [hunt()]})
    assert "number.taken" in error_ids(exc)


def test_short_numbers_share_one_namespace_per_tenant(ctx):
    tenant = make_tenant(ctx)
    make_line(ctx, tenant, "+33175000001", short_number="201")
    # a reception number cannot reuse it
    with pytest.raises(ValidationFailed) as exc:
        make_reception(ctx, tenant, {"number": "+33175000050", "label": "R", "short_number": "201",
                                     "profiles": [hunt()]})
    assert error_ids(exc) == ["short_number.taken"]
    assert "line +33175000001" in exc.value.errors[0].message
    # nor a directory short number
    with pytest.raises(ValidationFailed) as exc:
        directory_service.create_contact(ctx, tenant, ContactDoc(
            first_name="A", last_name="B", numbers=[{"number": "+33140000000", "short_number": "201"}]))
    assert error_ids(exc) == ["short_number.taken"]
    assert error_fields(exc) == ["numbers[0].short_number"]
    # the directory short number then blocks a line
    directory_service.create_contact(ctx, tenant, ContactDoc(
        first_name="A", last_name="B", numbers=[{"number": "+33140000000", "short_number": "301"}]))
    with pytest.raises(ValidationFailed) as exc:
        make_line(ctx, tenant, "+33175000002", short_number="301")
    assert "directory contact A B" in exc.value.errors[0].message
    # another tenant has its own namespace
    other = make_tenant(ctx, "Other")
    assert make_line(ctx, other, "+33175000003", short_number="201").short_number == "201"


@pytest.mark.parametrize("short", ["0123", "1", "12345678", "17", "112", "123", "2a1"])
def test_short_number_shape(ctx, short):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_line(ctx, tenant, "+33175000001", short_number=short)
    assert error_ids(exc) == ["short_number.invalid"]


def test_tenant_line_limit(ctx):
    tenant = make_tenant(ctx, kind="individual")
    assert tenant.line_limit == 3
    for i in range(3):
        make_line(ctx, tenant, f"+3317500000{i}")
    with pytest.raises(ValidationFailed) as exc:
        make_line(ctx, tenant, "+33175000009")
    assert error_ids(exc) == ["tenant.line_limit"]
    assert count(ctx, Line) == 3


@pytest.mark.parametrize("ring_time", [4, 61, 0])
def test_ring_time_range(ctx, ring_time):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_line(ctx, tenant, "+33175000001", ring_time=ring_time)
    assert error_ids(exc) == ["ring_time.range"]
    assert error_fields(exc) == ["ring_time"]


def test_hunt_group_ring_time_range(ctx):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_reception(ctx, tenant, {"number": "+33175000050", "label": "R", "profiles": [hunt(ring_time=70)]})
    assert error_fields(exc) == ["profiles[0].hunt_group.ring_time"]


@pytest.mark.parametrize("hours,error_id", [("08:05-12:00", "rule.step"), ("08:00-12:15", "rule.step"),
                                            ("25:00-26:00", "rule.hours"), ("8-12", "rule.hours"),
                                            ("10:00-10:00", "rule.hours")])
def test_time_rules_on_ten_minute_steps(ctx, hours, error_id):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_reception(ctx, tenant, {"number": "+33175000050", "label": "R",
                                     "profiles": [hunt(), hunt("Jour", default=False)],
                                     "rules": [{"days": "mon-fri", "hours": hours, "profile": "Jour"}]})
    assert error_ids(exc) == [error_id]
    assert error_fields(exc) == ["rules[0].hours"]


@pytest.mark.parametrize("days", ["31/02", "monday-friday", "mon-02/03", "1/13"])
def test_rule_days_syntax(ctx, days):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_reception(ctx, tenant, {"number": "+33175000050", "label": "R",
                                     "profiles": [hunt(), hunt("Jour", default=False)],
                                     "rules": [{"days": days, "profile": "Jour"}]})
    assert error_ids(exc) == ["rule.days"]


def _special(dests, number="+33811000001", rules=None, profiles=None):
    return {"number": number, "label": "SAV",
            "profiles": profiles or [{"name": "Défaut", "default": True, "routings": [{"destinations": dests}]}],
            "rules": rules or []}


def test_load_share_must_sum_to_100(ctx):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_special(ctx, tenant, _special([{"number": "0140000000", "percent": 60},
                                            {"number": "0145000000", "percent": 30}]))
    assert error_ids(exc) == ["routing.percent_sum"]
    assert error_fields(exc) == ["profiles[0].routings[0].destinations"]
    assert make_special(ctx, tenant, _special([{"number": "0140000000", "percent": 60},
                                               {"number": "0145000000", "percent": 40}])) is not None


@pytest.mark.parametrize("dest,kind", [("0892000000", "special"), ("0612345678", "mobile"),
                                       ("+442079460000", "international")])
def test_special_destination_is_a_french_10_digit_number(ctx, dest, kind):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_special(ctx, tenant, _special([{"number": dest, "percent": 100}]))
    assert error_ids(exc) == ["destination.kind"]
    assert kind in exc.value.errors[0].message


def test_special_number_needs_a_special_prefix(ctx):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_special(ctx, tenant, _special([{"number": "0140000000"}], number="0140000001"))
    assert error_ids(exc) == ["number.kind"]


def test_special_rules_need_a_custom_profile(ctx):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_special(ctx, tenant, _special([{"number": "0140000000"}],
                                           rules=[{"origins": ["mobile"], "profile": "Défaut"}]))
    assert error_ids(exc) == ["rule.needs_custom_profile"]


def test_reception_loops_are_refused(ctx):
    tenant = make_tenant(ctx)
    make_line(ctx, tenant, "+33175000001")
    ivr = lambda target: {"name": "Menu", "default": True, "ivr": {"keys": {"1": target}}}  # noqa: E731
    make_reception(ctx, tenant, {"number": "+33175000050", "label": "A",
                                 "profiles": [ivr({"line": "+33175000001"})]})
    make_reception(ctx, tenant, {"number": "+33175000051", "label": "B",
                                 "profiles": [ivr({"reception": "+33175000050"})]})
    ctx.session.commit()
    # A → B while B → A already: a loop
    rec_a = reception_service.all_for(ctx, tenant)[0]
    prof = rec_a.profiles[0]
    from orchestrator.db.models import IvrKey
    rec_b = reception_service.all_for(ctx, tenant)[1]
    prof.keys.append(IvrKey(digit="2", action="reception", target_reception_id=rec_b.id, target_mode="dynamic"))
    ctx.session.flush()
    from orchestrator.domain.errors import Errors
    errors = Errors()
    reception_service.check_loops(ctx, tenant, errors)
    assert [e.error_id for e in errors.items] == ["reception.loop"]
    assert "+33175000050 → +33175000051 → +33175000050" in errors.items[0].message


def test_reception_self_loop_refused_on_create(ctx):
    tenant = make_tenant(ctx)
    make_reception(ctx, tenant, {"number": "+33175000050", "label": "A", "profiles": [hunt()]})
    # a second reception pointing to itself through a forced-profile key
    with pytest.raises(ValidationFailed) as exc:
        make_reception(ctx, tenant, {"number": "+33175000051", "label": "B", "profiles": [
            {"name": "Menu", "default": True, "ivr": {"keys": {"1": {"reception": "+33175000051"}}}}]})
    assert "reception.loop" in error_ids(exc)


def test_default_profile_cannot_be_deleted(ctx):
    tenant = make_tenant(ctx)
    rec = make_reception(ctx, tenant, {"number": "+33175000050", "label": "A",
                                       "profiles": [hunt(), hunt("Jour", default=False)],
                                       "rules": [{"days": "mon-fri", "hours": "08:00-12:00", "profile": "Jour"}]})
    default, custom = rec.profiles
    with pytest.raises(ServiceError) as exc:
        reception_service.delete_profile(ctx, default)
    assert exc.value.error_id == "profile.default_undeletable"
    reception_service.delete_profile(ctx, custom)
    ctx.session.flush()
    assert [p.name for p in rec.profiles] == ["Profil par défaut"]
    assert rec.rules == []
    assert count(ctx, ReceptionProfile) == 1


def test_exactly_one_default_profile(ctx):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_reception(ctx, tenant, {"number": "+33175000050", "label": "A",
                                     "profiles": [hunt(), hunt("Autre", default=True)]})
    assert error_ids(exc) == ["profile.default_count"]


def test_force_profile_and_unknown_profile(ctx):
    tenant = make_tenant(ctx)
    rec = make_reception(ctx, tenant, {"number": "+33175000050", "label": "A",
                                       "profiles": [hunt(), hunt("Nuit", default=False)]})
    reception_service.force_profile(ctx, rec, "Nuit")
    assert [p.forced for p in rec.profiles] == [False, True]
    reception_service.force_profile(ctx, rec, None)
    assert [p.forced for p in rec.profiles] == [False, False]
    with pytest.raises(ServiceError) as exc:
        reception_service.force_profile(ctx, rec, "Inconnu")
    assert exc.value.error_id == "profile.unknown"


@pytest.mark.parametrize("raw", ["00:0E:08:AB:CD:EF", "000e.08ab.cdef", "00-0e-08-ab-cd-ef"])
def test_mac_addresses_are_normalised(ctx, raw):
    tenant = make_tenant(ctx)
    device = devices_service.create(ctx, tenant, parse_doc(DeviceDoc, {"mac": raw, "model": "SPA504G"}))
    assert device.mac == "000e08abcdef"


@pytest.mark.parametrize("raw", ["00:0E:08:AB:CD", "zz:0e:08:ab:cd:ef", ""])
def test_invalid_mac_is_refused(ctx, raw):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        devices_service.create(ctx, tenant, parse_doc(DeviceDoc, {"mac": raw, "model": "SPA504G"}))
    assert error_ids(exc) == ["mac.invalid"]
    assert count(ctx, Device) == 0


def test_device_port_beyond_model(ctx):
    tenant = make_tenant(ctx)
    make_line(ctx, tenant, "+33175000001")
    with pytest.raises(ValidationFailed) as exc:
        devices_service.create(ctx, tenant, parse_doc(DeviceDoc, {
            "mac": "000e08abcdef", "model": "SPA502G", "ports": [{"port": 2, "line": "+33175000001"}]}))
    assert error_ids(exc) == ["port.range"]


def test_passwords_are_hashed_and_never_stored_or_audited_in_clear(ctx):
    tenant = make_tenant(ctx)
    make_line(ctx, tenant, "+33175000001")
    login = logins_service.create(ctx, tenant, LoginDoc(login="+33175000001", role="user", password="s3cret-pw"))
    admin = logins_service.create(ctx, tenant,
                                  LoginDoc(login="Boss@Example.COM", role="admin", password="s3cret-admin"))
    ctx.session.flush()
    assert admin.login == "boss@example.com"
    for row in (login, admin):
        assert "s3cret" not in row.password_hash
        assert row.password_hash.startswith("$scrypt$")
    assert verify_password("s3cret-pw", login.password_hash)
    assert not verify_password("wrong", login.password_hash)
    audit = " ".join(json.dumps(a.details) for a in ctx.session.scalars(select(AuditEntry)))
    assert "s3cret" not in audit


@pytest.mark.parametrize("role,login,password,error_id", [
    ("admin", "boss@example.com", "12345", "password.too_short"),
    ("user", "+33175000001", "123", "password.too_short"),
    ("admin", "not-an-email", "123456", "email.invalid"),
    ("user", "+33175000099", "1234", "login.unknown_line"),
])
def test_login_rules(ctx, role, login, password, error_id):
    tenant = make_tenant(ctx)
    make_line(ctx, tenant, "+33175000001")
    with pytest.raises(ValidationFailed) as exc:
        logins_service.create(ctx, tenant, LoginDoc(login=login, role=role, password=password))
    assert error_id in error_ids(exc)
    assert count(ctx, Login) == 0


def test_forward_and_backup_numbers(ctx):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_line(ctx, tenant, "+33175000001", forwards={"unconditional": "+33175000001", "no_answer": "12"},
                  backup_number="0175000001")
    assert sorted(error_ids(exc)) == ["backup.self", "forward.self", "number.invalid"]
    assert "forwards.unconditional" in error_fields(exc)


def test_voicemail_pin_and_email(ctx):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_line(ctx, tenant, "+33175000001", voicemail={"pin": "12a4", "email": "nope"})
    assert sorted(error_ids(exc)) == ["email.invalid", "pin.invalid"]


def test_unknown_catalogue_track(ctx):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_line(ctx, tenant, "+33175000001", hold_music={"catalogue": "nope"})
    assert error_ids(exc) == ["hold_music.unknown"]


def test_update_line_revalidates_everything(ctx):
    tenant = make_tenant(ctx)
    line = make_line(ctx, tenant, "+33175000001", ring_time=20)
    lines_service.update(ctx, line, {"ring_time": 30, "forwards": {"no_answer": "0612345678"}})
    assert (line.ring_time, line.forward_no_answer, line.forward_presented) == (30, "+33612345678", "caller")
    with pytest.raises(ValidationFailed) as exc:
        lines_service.update(ctx, line, {"ring_time": 90})
    assert error_ids(exc) == ["ring_time.range"]
    assert line.ring_time == 30


def test_commit_bumps_revision_and_notifies(ctx):
    tenant = make_tenant(ctx)
    make_line(ctx, tenant, "+33175000001")
    ctx.commit()
    assert tenant.revision == 1
    assert ctx.notifier.calls == [[tenant.id]]
    line = ctx.session.scalar(select(Line))
    lines_service.update(ctx, line, {"label": "Accueil"})
    ctx.commit()
    assert tenant.revision == 2
    assert ctx.notifier.calls == [[tenant.id], [tenant.id]]


def test_tenant_name_and_domain_unique(ctx):
    make_tenant(ctx, "Alpha", domain="alpha.test")
    from orchestrator.services.tenants import service as tenants_service
    from orchestrator.services.tenants.schema import TenantDoc
    with pytest.raises(ValidationFailed) as exc:
        tenants_service.create(ctx, TenantDoc(name="Alpha", sip_domain="ALPHA..test", timezone="Mars/Olympus"))
    assert sorted(error_ids(exc)) == ["domain.invalid", "tenant.name_taken", "timezone.invalid"]


@pytest.mark.parametrize("field,value", [("offer", "x" * 81), ("voicemail", {"email": "a" * 250 + "@x.example"})])
def test_overlong_values_are_field_errors_not_database_errors(ctx, field, value):
    tenant = make_tenant(ctx)
    with pytest.raises(ValidationFailed) as exc:
        make_line(ctx, tenant, "+33175000001", **{field: value})
    assert exc.value.errors[0].error_id == "field.too_long"


# a NUL ("Europe/Paris\x00") is refused by every schema before any field rule: test_nul_and_database_down
BAD_TIMEZONES = ["right/UTC", "posix/Europe/Paris", "Europe", "x" * 300, "localtime", "../../../etc/passwd",
                 "Mars/Olympus", ""]


@pytest.mark.parametrize("zone", BAD_TIMEZONES, ids=lambda z: repr(z[:24]))
def test_timezones_come_from_the_canonical_iana_list(ctx, zone):
    """``right/UTC`` made posix_tz raise UnicodeDecodeError, ``Europe``
    IsADirectoryError and 300 characters OSError, in every tenant's render."""
    from orchestrator.services.tenants import service as tenants_service
    from orchestrator.services.tenants.schema import TenantDoc
    with pytest.raises(ValidationFailed) as exc:
        tenants_service.create(ctx, TenantDoc(name="Zone", sip_domain="zone.test", timezone=zone))
    assert error_ids(exc) == ["timezone.invalid"] and error_fields(exc) == ["timezone"]
    assert "IANA" in exc.value.errors[0].message or "required" in exc.value.errors[0].message
    assert count(ctx, Tenant) == 0


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Argentina/Buenos_Aires", "UTC", "Pacific/Chatham"])
def test_canonical_timezones_are_accepted(ctx, zone):
    assert make_tenant(ctx, "Zone", timezone=zone).timezone == zone


BAD_DOMAINS = ["127.0.0.1", "10.1.2.3", "::1", "[::1]", "2001:db8::1", "1.2.3", "localhost", "a..b.example",
               "-a.example", "a-.example", "a_b.example", "Acme.example", "a" * 64 + ".example",
               ".".join(["abcdefghi"] * 26) + ".example", "xn--zz.example", "acme.example.", "a b.example",
               "acme.example<!--"]


@pytest.mark.parametrize("domain", BAD_DOMAINS, ids=lambda d: repr(d[:24]))
def test_domains_are_dns_names_not_ip_literals(ctx, domain):
    from orchestrator.services.tenants import service as tenants_service
    from orchestrator.services.tenants.schema import TenantDoc
    with pytest.raises(ValidationFailed) as exc:
        tenants_service.create(ctx, parse_doc(TenantDoc, {"name": "Dom", "sip_domain": domain}))
    assert "domain.invalid" in error_ids(exc) or "field.too_long" in error_ids(exc), exc.value.errors
    assert count(ctx, Tenant) == 0


@pytest.mark.parametrize("typed,stored", [
    ("a--b.example", "a--b.example"), ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("bücher.example", "xn--bcher-kva.example"), ("société.fr", "xn--socit-esab.fr"),
    ("a.b.c.example", "a.b.c.example"), ("x" * 63 + ".example", "x" * 63 + ".example"),
])
def test_domains_idn_are_stored_as_a_labels(ctx, typed, stored):
    tenant = make_tenant(ctx, "Dom", domain=typed)
    assert tenant.sip_domain == stored
    from orchestrator.services.tenants import service as tenants_service
    from orchestrator.services.tenants.schema import TenantDoc
    with pytest.raises(ValidationFailed) as exc:  # the Unicode spelling is the same domain
        tenants_service.create(ctx, TenantDoc(name="Other", sip_domain=stored))
    assert error_ids(exc) == ["tenant.domain_taken"]
