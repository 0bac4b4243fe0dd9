"""Service level of the « Mon standard » editors (manual §3.7.1, §3.7.5,
§3.7.6; R-1, I-*, T-1..T-3), on SQLite and PostgreSQL: adding and deleting
reception numbers, profiles (create, rename, duplicate, type, delete), time
rules (add, change, move, delete, replace) and the IVR editor."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from helpers import error_fields, error_ids
from sqlalchemy import select
from webui_helpers import load_demo

from orchestrator.db.models import (
    AudioFile,
    Device,
    DeviceKey,
    PhoneNumber,
    ReceptionNumber,
    ReceptionRule,
    Tenant,
)
from orchestrator.domain.errors import Errors, ServiceError, ValidationFailed
from orchestrator.render.snapshot import load_snapshot
from orchestrator.routing.resolver import resolve
from orchestrator.services import inventory
from orchestrator.services.reception import ivr as ivr_edit
from orchestrator.services.reception import numbers as numbers_edit
from orchestrator.services.reception import profiles as profiles_edit
from orchestrator.services.reception import rules as rules_edit
from orchestrator.services.reception.active import profile_state

PARIS = ZoneInfo("Europe/Paris")
ACCUEIL1, ACCUEIL2 = "+33175000120", "+33974762328"


def rec_of(ctx, number: str = ACCUEIL1) -> ReceptionNumber:
    return ctx.session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == number))


def bauer(ctx) -> Tenant:
    return ctx.session.scalar(select(Tenant).where(Tenant.name == "Bauer SA"))


def prof_named(rec: ReceptionNumber, name: str):
    return next(p for p in rec.profiles if p.name == name)


@pytest.fixture
def demo(rt):
    load_demo(rt)
    with rt.context(actor="test") as ctx:
        tenant = bauer(ctx)
        errors = Errors()
        for raw in ("+33175000150", "+33175000151", "+33975000152"):
            inventory.add_to_pool(ctx.session, errors, raw, "FR")
        inventory.add_to_pool(ctx.session, errors, "+33175000160", "FR", reserved_for=tenant)
        assert not errors
        ctx.session.add_all([AudioFile(tenant_id=tenant.id, name="Menu", category="ivr_menu"),
                             AudioFile(tenant_id=tenant.id, name="Bonjour", category="pre_answer"),
                             AudioFile(tenant_id=tenant.id, name="Jazz", category="hold_music")])
        ctx.commit()
    return rt


# -- §3.7.1 adding and deleting a reception number --------------------------------------

def test_add_a_reception_number_from_the_pool(demo):
    with demo.context(actor="test") as ctx:
        tenant = bauer(ctx)
        # the tenant's reserved number first, then the free ones; "à la carte" by the last digits
        assert numbers_edit.proposals(ctx, tenant) == ["+33175000160", "+33175000150", "+33175000151"]
        assert numbers_edit.proposals(ctx, tenant, "voip") == ["+33975000152"]
        assert numbers_edit.proposals(ctx, tenant, last_digits="51") == ["+33175000151"]
        rec = numbers_edit.add_reception(ctx, tenant, {"number": "01 75 00 01 51", "label": "Support",
                                                       "short_number": "310"})
        ctx.commit()
        assert (rec.number, rec.label, rec.short_number) == ("+33175000151", "Support", "310")
        [prof] = rec.profiles
        assert (prof.name, prof.is_default, prof.kind, prof.strategy, list(prof.members)) == (
            numbers_edit.DEFAULT_PROFILE, True, "hunt", "simultaneous", [])
        row = ctx.session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+33175000151"))
        assert (row.usage, row.tenant_id) == ("reception", tenant.id)
        assert "+33175000151" not in numbers_edit.proposals(ctx, tenant, count=10)


def test_add_refuses_numbers_outside_the_pool_or_taken_and_bad_fields(demo):
    with demo.context(actor="test") as ctx:
        tenant = bauer(ctx)
        cases = [
            ({"number": "+33175000199", "label": "X"}, [("number.not_in_pool", "number")]),
            ({"number": "+33175000101", "label": "X"}, [("number.taken", "number")]),  # a line's number
            ({"number": "12", "label": "X"}, [("number.invalid", "number")]),
            ({"number": "+33175000150", "label": "A\nB", "short_number": "201"},
             [("text.control_chars", "label"), ("short_number.taken", "short_number")]),
            ({"number": "+33175000150", "label": ""}, [("field.too_short", "label")]),
        ]
        for data, expected in cases:
            with pytest.raises(ValidationFailed) as exc:
                numbers_edit.add_reception(ctx, tenant, data)
            assert [(e.error_id, e.field) for e in exc.value.errors] == expected, data
            ctx.rollback()
        # a pool number used elsewhere is not free
        ctx.session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+33175000150")).usage = "line"
        with pytest.raises(ValidationFailed) as exc:
            numbers_edit.add_reception(ctx, tenant, {"number": "+33175000150", "label": "X"})
        assert error_ids(exc) == ["number.taken"]


def test_delete_is_refused_while_an_ivr_key_or_a_special_number_calls_it(demo):
    with demo.context(actor="test") as ctx:
        rec = rec_of(ctx)
        assert numbers_edit.references(ctx, rec) == [
            "key 3 of the profile 'Profil par défaut' of Accueil 2 (+33974762328)",
            "the profile 'Profil par défaut' of the special number SAV (+33811000120)"]
        with pytest.raises(ServiceError) as exc:
            numbers_edit.delete_reception(ctx, rec)
        assert exc.value.error_id == "reception.in_use" and "Accueil 2" in exc.value.message
        # Accueil 2 is called by nobody: it goes, its number back to the pool
        numbers_edit.delete_reception(ctx, rec_of(ctx, ACCUEIL2))
        ctx.commit()
        assert rec_of(ctx, ACCUEIL2) is None
        assert ctx.session.scalar(select(PhoneNumber.usage).where(PhoneNumber.e164 == ACCUEIL2)) is None
        assert numbers_edit.references(ctx, rec_of(ctx)) == [
            "the profile 'Profil par défaut' of the special number SAV (+33811000120)"]


def test_delete_takes_the_desk_phone_keys_that_call_it(demo):
    with demo.context(actor="test") as ctx:
        tenant = bauer(ctx)
        rec = numbers_edit.add_reception(ctx, tenant, {"number": "+33175000150", "label": "Support"})
        device = ctx.session.scalar(select(Device).where(Device.tenant_id == tenant.id).order_by(Device.id))
        ctx.session.add(DeviceKey(device_id=device.id, position=9, kind="reception", reception_id=rec.id,
                                  label="Support"))
        ctx.commit()
        assert [k.label for k in numbers_edit.phone_keys(ctx, rec)] == ["Support"]
        numbers_edit.delete_reception(ctx, rec)
        ctx.commit()
        assert ctx.session.scalar(select(DeviceKey).where(DeviceKey.label == "Support")) is None
        assert ctx.session.scalar(select(DeviceKey).where(DeviceKey.label == "Accueil")) is not None


def test_update_label_and_short_number(demo):
    with demo.context(actor="test") as ctx:
        rec = rec_of(ctx)
        numbers_edit.update_reception(ctx, rec, {"label": "Standard", "short_number": "300"})  # its own: fine
        numbers_edit.update_reception(ctx, rec, {"short_number": None})
        ctx.commit()
        assert (rec.label, rec.short_number) == ("Standard", None)
        with pytest.raises(ValidationFailed) as exc:
            numbers_edit.update_reception(ctx, rec, {"label": "a\tb", "short_number": "202"})
        assert sorted(error_ids(exc)) == ["short_number.taken", "text.control_chars"]


# -- §3.7.6.1-3 profiles (T-3) ----------------------------------------------------------

def test_create_rename_and_validate_profile_names(demo):
    with demo.context(actor="test") as ctx:
        rec = rec_of(ctx)
        soir = profiles_edit.create_profile(ctx, rec, {"name": "Soir", "kind": "hunt"})
        svi = profiles_edit.create_profile(ctx, rec, {"name": "Menu", "kind": "ivr"})
        ctx.commit()
        assert [p.name for p in rec.profiles] == ["Profil par défaut", "Ouverture", "Soir", "Menu"]
        assert (soir.kind, soir.is_default, svi.kind, list(svi.keys)) == ("hunt", False, "ivr", [])
        for data, expected in [({"name": "Ouverture"}, ("profile.name_taken", "name")),
                               ({"name": "a\nb"}, ("text.control_chars", "name")),
                               ({"name": "x" * 81}, ("field.too_long", "name")),
                               ({"name": "  "}, ("field.too_short", "name")),
                               ({"name": "Ok", "kind": "fax"}, ("field.choice", "kind"))]:
            with pytest.raises(ValidationFailed) as exc:
                profiles_edit.create_profile(ctx, rec, data)
            assert [(e.error_id, e.field) for e in exc.value.errors] == [expected], data
        profiles_edit.update_profile(ctx, soir, {"name": "Soirée"})
        profiles_edit.update_profile(ctx, soir, {"name": "Soirée"})  # its own name: fine
        with pytest.raises(ValidationFailed) as exc:
            profiles_edit.update_profile(ctx, soir, {"name": "Menu"})
        assert error_fields(exc) == ["name"]
        ctx.commit()
        assert [p.name for p in rec_of(ctx).profiles][2] == "Soirée"


def test_duplicate_copies_settings_members_and_keys_under_a_new_name(demo):
    with demo.context(actor="test") as ctx:
        rec = rec_of(ctx)
        ouverture = prof_named(rec, "Ouverture")
        copy = profiles_edit.duplicate_profile(ctx, ouverture)
        again = profiles_edit.duplicate_profile(ctx, ouverture)
        named = profiles_edit.duplicate_profile(ctx, ouverture, {"name": "Été"})
        ctx.commit()
        assert (copy.name, again.name, named.name) == ("Ouverture (2)", "Ouverture (3)", "Été")
        for p in (copy, named):
            assert (p.strategy, p.ring_time, p.cycles, p.hold_music_catalogue, p.voicemail_line_id) == (
                "sequential", 15, 3, "calme", ouverture.voicemail_line_id)
            assert [m.line_id for m in p.members] == [m.line_id for m in ouverture.members]
            assert not p.is_default and not p.forced
        assert len(rec.rules) == 2 and {r.profile_id for r in rec.rules} == {ouverture.id}  # rules stay
        with pytest.raises(ValidationFailed) as exc:
            profiles_edit.duplicate_profile(ctx, ouverture, {"name": "Été"})
        assert error_ids(exc) == ["profile.name_taken"]
        ctx.rollback()
        ivr = rec_of(ctx, ACCUEIL2).profiles[0]
        ivr_copy = profiles_edit.duplicate_profile(ctx, ivr)
        ctx.commit()
        assert ivr_copy.name == "Profil par défaut (2)" and ivr_copy.kind == "ivr"
        assert ivr_edit.ivr_doc(ctx, ivr_copy).keys == ivr_edit.ivr_doc(ctx, ivr).keys
        assert ivr_edit.ivr_doc(ctx, ivr_copy).fallback.hangup


def test_delete_profile_takes_its_rules_never_the_default(demo):
    with demo.context(actor="test") as ctx:
        rec = rec_of(ctx)
        with pytest.raises(ServiceError) as exc:
            profiles_edit.delete_profile(ctx, rec.profiles[0])
        assert exc.value.error_id == "profile.default_undeletable"
        profiles_edit.delete_profile(ctx, prof_named(rec, "Ouverture"))
        ctx.commit()
        rec = rec_of(ctx)
        assert [p.name for p in rec.profiles] == ["Profil par défaut"] and rec.rules == []
        assert ctx.session.scalar(select(ReceptionRule.id)) is None


def test_a_profile_forced_by_an_ivr_key_cannot_be_deleted(demo):
    with demo.context(actor="test") as ctx:
        ivr = rec_of(ctx, ACCUEIL2).profiles[0]
        ivr_edit.update_ivr(ctx, ivr, {"keys": {"4": {"reception": ACCUEIL1, "mode": "profile",
                                                      "profile": "Ouverture"}}})
        ctx.commit()
        with pytest.raises(ServiceError) as exc:
            profiles_edit.delete_profile(ctx, prof_named(rec_of(ctx), "Ouverture"))
        assert exc.value.error_id == "profile.in_use" and "key 4" in exc.value.message


def test_change_the_reception_type_and_the_pre_answer(demo):
    with demo.context(actor="test") as ctx:
        rec = rec_of(ctx)
        prof = prof_named(rec, "Ouverture")
        profiles_edit.update_profile(ctx, prof, {"kind": "ivr", "pre_answer": "Bonjour"})
        ctx.commit()
        assert (prof.kind, list(prof.members), prof.hold_music_catalogue) == ("ivr", [], None)
        assert ivr_edit.ivr_doc(ctx, prof).pre_answer == "Bonjour"
        with pytest.raises(ValidationFailed) as exc:
            profiles_edit.update_profile(ctx, prof, {"pre_answer": "Jazz"})
        assert [(e.error_id, e.field) for e in exc.value.errors] == [("audio.category", "pre_answer")]


# -- §3.7.6.4 time rules (T-1) ------------------------------------------------------------

def names(rec):
    return [(r["days"], r["hours"], r["profile"]) for r in rules_edit.rule_list(rec)]


def test_add_change_move_and_delete_rules(demo):
    with demo.context(actor="test") as ctx:
        rec = rec_of(ctx)
        profiles_edit.create_profile(ctx, rec, {"name": "Fermé"})
        first, second = rec.rules
        new = rules_edit.add_rule(ctx, rec, {"days": "25/12", "hours": "all", "profile": "Fermé"})
        top = rules_edit.add_rule(ctx, rec, {"days": "sat-sun", "hours": "22:00-06:00", "profile": "Fermé",
                                             "position": 1})
        ctx.commit()
        assert names(rec) == [("sat-sun", "22:00-06:00", "Fermé"), ("mon-fri", "08:00-12:00", "Ouverture"),
                              ("mon-fri", "14:00-18:00", "Ouverture"), ("25/12", "all", "Fermé")]
        rules_edit.move_rule(ctx, rec, new, "up")
        rules_edit.move_rule(ctx, rec, top, "up")  # already first: stays
        rules_edit.update_rule(ctx, rec, second, {"days": "mon-thu", "hours": "14:00-17:30", "profile": "Ouverture"})
        rules_edit.delete_rule(ctx, rec, first)
        ctx.commit()
        rec = rec_of(ctx)
        assert names(rec) == [("sat-sun", "22:00-06:00", "Fermé"), ("25/12", "all", "Fermé"),
                              ("mon-thu", "14:00-17:30", "Ouverture")]
        assert [r.priority for r in rec.rules] == [0, 1, 2]
        assert [r.id for r in rec.rules] == [top.id, new.id, second.id]  # ids survive moves and edits


def test_rule_errors_are_reported_by_field(demo):
    with demo.context(actor="test") as ctx:
        rec = rec_of(ctx)
        with pytest.raises(ValidationFailed) as exc:
            rules_edit.add_rule(ctx, rec, {"days": "31/02", "hours": "08:05-12:00", "profile": "Nope"})
        assert [(e.error_id, e.field) for e in exc.value.errors] == [
            ("rule.days", "days"), ("rule.step", "hours"), ("profile.unknown", "profile")]
        with pytest.raises(ValidationFailed) as exc:
            rules_edit.update_rule(ctx, rec, rec.rules[0], {"days": "mon-sat-sun", "hours": "10:00-10:00",
                                                            "profile": "Ouverture"})
        assert error_fields(exc) == ["days", "hours"]
        with pytest.raises(ValidationFailed) as exc:
            rules_edit.replace_rules(ctx, rec, {"rules": [{"days": "all", "hours": "all", "profile": "Ouverture"},
                                                          {"days": "lun", "hours": "all", "profile": "Ouverture"}]})
        assert [(e.error_id, e.field) for e in exc.value.errors] == [("rule.days", "rules[1].days")]
        assert len(rec_of(ctx).rules) == 2


def test_replace_rules_reuses_rows(demo):
    with demo.context(actor="test") as ctx:
        rec = rec_of(ctx)
        ids = [r.id for r in rec.rules]
        rules_edit.replace_rules(ctx, rec, {"rules": [
            {"days": "all", "hours": "07:00-09:00", "profile": "Ouverture"},
            {"days": "01/08-31/08", "hours": "all", "profile": "Profil par défaut"},
            {"days": "fri", "hours": "all", "profile": "Ouverture"}]})
        ctx.commit()
        rec = rec_of(ctx)
        assert names(rec) == [("all", "07:00-09:00", "Ouverture"), ("01/08-31/08", "all", "Profil par défaut"),
                              ("fri", "all", "Ouverture")]
        assert [r.id for r in rec.rules][:2] == ids
        rules_edit.replace_rules(ctx, rec, {"rules": []})
        ctx.commit()
        assert rec_of(ctx).rules == []


def test_the_rule_form_fields(demo):
    errors = Errors()
    got = rules_edit.rule_from_fields(errors, {"days_kind": "weekdays", "weekday_from": "mon", "weekday_to": "fri",
                                               "hours_kind": "range", "time_from": "08:00", "time_to": "12:00",
                                               "profile": "Ouverture"})
    assert got == {"days": "mon-fri", "hours": "08:00-12:00", "profile": "Ouverture"} and not errors
    assert rules_edit.rule_from_fields(errors, {"days_kind": "dates", "date_from": "25/12", "date_to": "25/12",
                                                "hours_kind": "all"})["days"] == "25/12"
    assert rules_edit.rule_from_fields(errors, {"days_kind": "all", "hours_kind": "all"})["days"] == "all"
    assert not errors
    rules_edit.rule_from_fields(errors, {"days_kind": "dates", "date_from": "", "hours_kind": "range",
                                         "time_from": "08:00"})
    assert [(e.error_id, e.field) for e in errors.items] == [("field.required", "days"), ("field.required", "hours")]
    assert rules_edit.time_options()[:2] == ["00:00", "00:10"] and rules_edit.time_options()[-1] == "23:50"
    assert rules_edit.time_options(end=True)[-1] == "24:00" and len(rules_edit.time_options(end=True)) == 144
    with demo.context() as ctx:
        rec = rec_of(ctx)
        assert rules_edit.fields_of(rec.rules[0], rec.profiles) == {
            "days_kind": "weekdays", "weekday_from": "mon", "weekday_to": "fri", "hours_kind": "range",
            "time_from": "08:00", "time_to": "12:00", "profile": "Ouverture"}


def test_a_new_rule_is_what_the_route_simulator_and_the_state_follow(demo):
    """The agreement with the route resolver: a rule added through the
    service is the one the resolver picks at a matching time."""
    with demo.context(actor="test") as ctx:
        rec = rec_of(ctx)
        profiles_edit.create_profile(ctx, rec, {"name": "Noël"})
        rules_edit.add_rule(ctx, rec, {"days": "24/12-26/12", "hours": "all", "profile": "Noël", "position": 1})
        ctx.commit()
    with demo.context() as ctx:
        snap = load_snapshot(ctx.session, [bauer(ctx).id]).tenants[0]
        christmas = datetime(2026, 12, 25, 10, 0, tzinfo=PARIS)  # a Friday, in the opening hours
        plan = resolve(snap, ACCUEIL1, "0612345678", christmas)
        assert plan.profile["name"] == "Noël" and "rule 1" in plan.profile["reason"]
        assert resolve(snap, ACCUEIL1, None, datetime(2026, 12, 28, 10, 0, tzinfo=PARIS)).profile["name"] == "Ouverture"
        assert profile_state(rec_of(ctx), "Europe/Paris", christmas).effective.name == "Noël"


# -- §3.7.5 the voice menu (I-1, I-2) ------------------------------------------------------

def test_ivr_editor_saves_audio_keys_and_fallback(demo):
    with demo.context(actor="test") as ctx:
        ivr = rec_of(ctx, ACCUEIL2).profiles[0]
        ivr_edit.update_ivr(ctx, ivr, {
            "pre_answer": "Bonjour", "menu": "Menu",
            "keys": {"0": {"hangup": True}, "1": {"line": "0175000103"}, "2": {"voicemail": "+33175000101"},
                     "9": {"reception": ACCUEIL1, "mode": "default"}},
            "fallback": {"line": "+33175000102"}})
        ctx.commit()
        doc = ivr_edit.ivr_doc(ctx, rec_of(ctx, ACCUEIL2).profiles[0])
        assert (doc.pre_answer, doc.menu) == ("Bonjour", "Menu")
        assert {d: ivr_edit.target_choice(t) for d, t in doc.keys.items()} == {
            "0": "hangup", "1": "line:+33175000103", "2": "voicemail:+33175000101",
            "9": f"reception:{ACCUEIL1}:default"}
        assert ivr_edit.target_choice(doc.fallback) == "line:+33175000102"
        ivr_edit.update_ivr(ctx, rec_of(ctx, ACCUEIL2).profiles[0], {})  # nothing: no key, hang up
        ctx.commit()
        doc = ivr_edit.ivr_doc(ctx, rec_of(ctx, ACCUEIL2).profiles[0])
        assert (doc.keys, doc.fallback, doc.menu) == ({}, None, None)


def test_ivr_errors_by_key(demo):
    with demo.context(actor="test") as ctx:
        ivr = rec_of(ctx, ACCUEIL2).profiles[0]
        with pytest.raises(ValidationFailed) as exc:
            ivr_edit.update_ivr(ctx, ivr, {
                "menu": "Jazz", "pre_answer": "Nope",
                "keys": {"1": {"line": "+33175000199"}, "2": {"line": "+33175000101", "hangup": True},
                         "3": {"reception": ACCUEIL1, "mode": "profile", "profile": "Nope"},
                         "x": {"hangup": True}}})
        assert sorted((e.error_id, e.field) for e in exc.value.errors) == [
            ("audio.category", "menu"), ("audio.unknown", "pre_answer"), ("ivr.key", "keys.x"),
            ("ivr.target", "keys.2"), ("line.unknown", "keys.1.line"), ("profile.unknown", "keys.3.profile")]
        ctx.rollback()
        hunt = rec_of(ctx).profiles[0]
        with pytest.raises(ServiceError) as err:
            ivr_edit.update_ivr(ctx, hunt, {})
        assert err.value.error_id == "profile.not_ivr"


def test_reception_numbers_calling_each_other_in_a_loop_are_refused(demo):
    with demo.context(actor="test") as ctx:
        # Accueil 2 key 3 → Accueil 1; make Accueil 1 an IVR whose key 5 → Accueil 2: a loop
        ouverture = prof_named(rec_of(ctx), "Ouverture")
        profiles_edit.update_profile(ctx, ouverture, {"kind": "ivr"})
        ctx.commit()
        with pytest.raises(ValidationFailed) as exc:
            ivr_edit.update_ivr(ctx, ouverture, {"keys": {"1": {"line": "+33175000101"},
                                                          "5": {"reception": ACCUEIL2}}})
        assert [(e.error_id, e.field) for e in exc.value.errors] == [("reception.loop", "keys.5")]
        assert f"{ACCUEIL1} → {ACCUEIL2} → {ACCUEIL1}" in exc.value.errors[0].message \
            or f"{ACCUEIL2} → {ACCUEIL1} → {ACCUEIL2}" in exc.value.errors[0].message
        ctx.rollback()
        assert prof_named(rec_of(ctx), "Ouverture").keys == []
        # to itself, too
        ouverture = prof_named(rec_of(ctx), "Ouverture")
        with pytest.raises(ValidationFailed) as exc:
            ivr_edit.update_ivr(ctx, ouverture, {"fallback": {"reception": ACCUEIL1}})
        assert error_fields(exc) == ["fallback"]


def test_ivr_form_values(demo):
    form = {"keys.1": "line:+33175000101", "keys.3": f"reception:{ACCUEIL1}:profile:Ouverture", "keys.4": "",
            "fallback": "hangup", "menu": "Menu", "pre_answer": ""}
    errors = Errors()
    assert ivr_edit.fields_to_doc(errors, form) == {
        "pre_answer": None, "menu": "Menu", "fallback": {"hangup": True},
        "keys": {"1": {"line": "+33175000101"},
                 "3": {"reception": ACCUEIL1, "mode": "profile", "profile": "Ouverture"}}}
    assert not errors
    doc = ivr_edit.fields_to_doc(errors, {"keys.2": "teleport:here", "keys.3": "hangup", "fallback": "line:"})
    assert [(e.error_id, e.field) for e in errors.items] == [("field.choice", "keys.2"), ("field.choice", "fallback")]
    assert doc["keys"] == {"3": {"hangup": True}} and doc["fallback"] is None
