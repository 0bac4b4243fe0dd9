"""Service layer of the special-number screens (manual §3.7.2, §3.7.7; S-1..S-4,
N-2, N-3): the pool of free 08xx numbers, adding and deleting, profiles,
routings with load sharing and their odds, time-and-origin rules, the profile
active now by caller origin, and the call statistics. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from helpers import error_fields, error_ids, make_tenant
from sqlalchemy import select
from webui_helpers import load_demo

from orchestrator.db.models import AuditEntry, CallRecord, Line, PhoneNumber, ReceptionNumber, SpecialNumber
from orchestrator.domain.errors import Errors, ServiceError, ValidationFailed
from orchestrator.render.snapshot import load_snapshot
from orchestrator.routing.resolver import Conditions, resolve
from orchestrator.services import inventory
from orchestrator.services.special import numbers, pool, routings, stats
from orchestrator.services.special import profiles as profile_edit
from orchestrator.services.special import rules as rule_service
from orchestrator.services.special.active import profile_for, special_state
from orchestrator.services.special.inputs import RoutingsDoc

PARIS = ZoneInfo("Europe/Paris")
SAV = "+33811000120"
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)


def sav(ctx) -> SpecialNumber:
    return ctx.session.scalar(select(SpecialNumber).where(SpecialNumber.number == SAV))


def bauer(ctx):
    return ctx.tenant("Bauer SA")


def fill_pool(ctx, other=None) -> None:
    errors = Errors()
    for raw in ("0811030093", "0811030096", "0892000300"):
        inventory.add_to_pool(ctx.session, errors, raw, "FR")
    inventory.add_to_pool(ctx.session, errors, "0811030102", "FR", gold=True)
    inventory.add_to_pool(ctx.session, errors, "0175999999", "FR")  # a geographic number: never offered here
    if other is not None:
        inventory.add_to_pool(ctx.session, errors, "0825000010", "FR", reserved_for=other)
    assert not errors
    ctx.session.flush()


def plan_for(ctx, caller, at=MONDAY_10, cond=None):
    snap = load_snapshot(ctx.session, [bauer(ctx).id]).tenants[0]
    return resolve(snap, SAV, caller, at, cond)


# -- the pool and adding (§3.7.2) -------------------------------------------------------

def test_free_numbers_by_prefix_gold_and_last_digits(rt):
    load_demo(rt)
    with rt.context(actor="test") as ctx:
        other = make_tenant(ctx, "Zeta SARL")
        fill_pool(ctx, other)
        t = bauer(ctx)
        free = pool.free_numbers(ctx.session, t)
        assert [f.number for f in free] == ["+33811030102", "+33811030093", "+33811030096", "+33892000300"]
        assert free[0].gold and free[0].price == "local call price" and free[0].prefix == "0811"
        assert [f.number for f in pool.free_numbers(ctx.session, t, "0892")] == ["+33892000300"]
        assert pool.free_numbers(ctx.session, t, "0892")[0].price == "0.34 EUR/min"
        assert [f.number for f in pool.free_numbers(ctx.session, t, "0811", "096")] == ["+33811030096"]
        assert pool.free_numbers(ctx.session, t, "0999") == [] and pool.free_numbers(ctx.session, t, None, "x1") == []
        # the number reserved for Zeta is offered to Zeta only, first
        assert [f.number for f in pool.free_numbers(ctx.session, other)][0] == "+33825000010"
        assert pool.free_numbers(ctx.session, other)[0].reserved


def test_add_a_special_number_then_delete_it(rt):
    load_demo(rt)
    with rt.context(actor="test") as ctx:
        fill_pool(ctx)
        special = numbers.add(ctx, bauer(ctx), {"number": "08 11 03 00 93", "label": "Hotline",
                                                "destination": "01 45 00 00 00"})
        ctx.commit()
        assert special.number == "+33811030093" and special.label == "Hotline"
        [prof] = special.profiles
        assert (prof.name, prof.is_default) == ("Profil par défaut", True)
        assert [(d.number, d.percent) for d in prof.routings[0].destinations] == [("+33145000000", 100)]
        row = ctx.session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+33811030093"))
        assert (row.usage, row.tenant_id) == ("special", special.tenant_id)
        assert "+33811030093" not in [f.number for f in pool.free_numbers(ctx.session, bauer(ctx))]
        # a reception number typed as the destination becomes that reception number; none: configure later
        rec = ctx.session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == "+33175000120"))
        second = numbers.add(ctx, bauer(ctx), {"number": "0892000300", "label": "Accueil 08",
                                               "destination": "0175000120"})
        assert second.profiles[0].routings[0].destinations[0].reception_id == rec.id
        third = numbers.add(ctx, bauer(ctx), {"number": "0811030102", "label": "Plus tard"})
        assert third.profiles[0].routings == []
        ctx.commit()
        numbers.remove(ctx, second)
        ctx.commit()
        assert ctx.session.scalar(select(SpecialNumber).where(SpecialNumber.number == "+33892000300")) is None
        assert "+33892000300" in [f.number for f in pool.free_numbers(ctx.session, bauer(ctx))]
        actions = ctx.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "special_number"))
        assert {"create", "delete"} <= set(actions)


def test_add_refuses_what_is_not_offered_and_bad_destinations(rt):
    load_demo(rt)
    with rt.context(actor="test") as ctx:
        fill_pool(ctx)
        t = bauer(ctx)
        for number in (SAV, "0811999999", "0175999999"):  # taken, not in the pool, not special
            with pytest.raises(ValidationFailed) as exc:
                numbers.add(ctx, t, {"number": number, "label": "X"})
            assert error_ids(exc) == ["number.not_free"], number
        with pytest.raises(ValidationFailed) as exc:
            numbers.add(ctx, t, {"number": "0811030093", "label": "Bad\nlabel", "destination": "06 12 34 56 78"})
        assert sorted(zip(error_fields(exc), error_ids(exc), strict=False)) == [
            ("destination.number", "destination.kind"), ("label", "text.control_chars")]
        for dest in ("0899000000", "+442079460000", "12"):
            with pytest.raises(ValidationFailed) as exc:
                numbers.add(ctx, t, {"number": "0811030093", "label": "X", "destination": dest})
            assert error_fields(exc) == ["destination.number"], dest
        with pytest.raises(ValidationFailed) as exc:
            numbers.add(ctx, t, {"number": "0811030093", "label": ""})
        assert error_ids(exc) == ["field.too_short"]
        ctx.rollback()
        assert ctx.session.scalar(select(SpecialNumber).where(SpecialNumber.number == "+33811030093")) is None


def test_label_is_checked_and_audited(rt):
    load_demo(rt)
    with rt.context(actor="test") as ctx:
        numbers.set_label(ctx, sav(ctx), {"label": "Service après-vente"})
        ctx.commit()
        assert sav(ctx).label == "Service après-vente"
        with pytest.raises(ValidationFailed) as exc:
            numbers.set_label(ctx, sav(ctx), {"label": "a" * 81})
        assert error_ids(exc) == ["field.too_long"]


# -- profiles (§3.7.7.1-3.7.7.3, §3.7.7.5) -----------------------------------------------

def test_profiles_create_rename_duplicate_force_delete(rt):
    load_demo(rt)
    with rt.context(actor="test") as ctx:
        sp = sav(ctx)
        default = sp.profiles[0]
        ouverture = profile_edit.create_profile(ctx, sp, "Ouverture")
        assert (ouverture.position, ouverture.routings) == (1, [])
        with pytest.raises(ValidationFailed) as exc:
            profile_edit.create_profile(ctx, sp, {"name": "Ouverture"})
        assert (error_fields(exc), error_ids(exc)) == (["name"], ["profile.name_taken"])
        with pytest.raises(ValidationFailed) as exc:
            profile_edit.rename_profile(ctx, ouverture, "Tab\there")
        assert error_ids(exc) == ["text.control_chars"]
        profile_edit.rename_profile(ctx, ouverture, "Ouverture")  # its own name is fine
        profile_edit.rename_profile(ctx, ouverture, "Journée")
        copy = profile_edit.duplicate_profile(ctx, default, profile_edit.free_name(sp, "Profil par défaut"))
        assert copy.name == "Profil par défaut 2" and not copy.is_default
        assert [[(d.number, d.reception_id, d.percent) for d in r.destinations] for r in copy.routings] == \
            [[(d.number, d.reception_id, d.percent) for d in r.destinations] for r in default.routings]
        profile_edit.force(ctx, sp, copy)
        ctx.commit()
        assert [p.forced for p in sav(ctx).profiles] == [False, False, True]
        profile_edit.force(ctx, sav(ctx), None)
        with pytest.raises(ServiceError) as err:
            profile_edit.delete_profile(ctx, sav(ctx).profiles[0])
        assert err.value.error_id == "profile.default_undeletable"
        ctx.commit()
        sp = sav(ctx)
        journee, copy = sp.profiles[1], sp.profiles[2]
        rule_service.add_rule(ctx, sp, {"days": "mon-fri", "hours": "08:00-18:00", "profile": "Journée"})
        rule_service.add_rule(ctx, sp, {"days": "sat", "profile": copy.name})
        rule_service.add_rule(ctx, sp, {"days": "sun", "profile": "Profil par défaut"})
        assert profile_edit.delete_profile(ctx, journee) == 1  # its rule goes with it
        assert [rule_service.rule_doc(sp, r).days for r in sp.rules] == ["sat", "sun"]
        assert [r.priority for r in sp.rules] == [0, 1]
        # no custom profile left: the remaining rules could only pick the default profile, they go too
        assert profile_edit.delete_profile(ctx, copy) == 2
        ctx.commit()
        assert [p.name for p in sav(ctx).profiles] == ["Profil par défaut"] and sav(ctx).rules == []


# -- routings and odds (S-1, S-2) ---------------------------------------------------------

def test_routings_are_checked_and_replaced(rt):
    load_demo(rt)
    with rt.context(actor="test") as ctx:
        prof = sav(ctx).profiles[0]
        bad = {"routings": [
            {"destinations": [{"number": "0145000000", "percent": 60}, {"number": "0145000001", "percent": 30}]},
            {"destinations": [{"number": "0612345678", "percent": 100}]},
            {"destinations": [{"number": "0899000000", "percent": 50}, {"reception": "0175999999", "percent": 50}]},
        ]}
        with pytest.raises(ValidationFailed) as exc:
            routings.set_routings(ctx, prof, bad)
        assert sorted(zip(error_fields(exc), error_ids(exc), strict=False)) == [
            ("routings[0].destinations", "routing.percent_sum"),
            ("routings[1].destinations[0].number", "destination.kind"),
            ("routings[2].destinations[0].number", "destination.kind"),
            ("routings[2].destinations[1].reception", "reception.unknown")]
        with pytest.raises(ValidationFailed) as exc:
            routings.set_routings(ctx, prof, {"routings": [{"destinations": [{"number": "0145000000", "percent": 0}]},
                                                           {"destinations": []}]})
        assert sorted(error_ids(exc)) == ["field.out_of_range", "field.too_short"]
        ctx.rollback()
        prof = sav(ctx).profiles[0]
        routings.set_routings(ctx, prof, {"routings": [
            {"destinations": [{"number": "01 45 00 00 00", "percent": 70}, {"reception": "0175000120", "percent": 30}]},
            {"destinations": [{"number": "0974762328", "percent": 100}]}]})
        ctx.commit()
        doc = routings.routings_doc(ctx.session, sav(ctx).profiles[0])
        assert doc.model_dump(exclude_none=True) == {"routings": [
            {"destinations": [{"number": "+33145000000", "percent": 70}, {"reception": "+33175000120", "percent": 30}]},
            {"destinations": [{"number": "+33974762328", "percent": 100}]}]}
        plan = plan_for(ctx, "0140000000")
        assert [[(d["to"], d["percent"]) for d in c["destinations"]] for c in plan.choices] == [
            [("+33145000000", 70), ("+33175000120", 30)], [("+33974762328", 100)]]


def test_routings_form_rows_report_each_field(rt):
    load_demo(rt)
    with rt.context(actor="test") as ctx:
        prof = sav(ctx).profiles[0]
        rows = [[{"number": "0145000000", "percent": "50"}, {"number": "0612345678", "percent": "abc"}],
                [{"number": "", "percent": "101"}], [],
                [{"number": "0145000000", "percent": "60"}, {"number": "0175000120", "percent": "30"}]]
        with pytest.raises(ValidationFailed) as exc:
            routings.set_routings_from_rows(ctx, prof, rows)
        assert sorted(zip(error_fields(exc), error_ids(exc), strict=False)) == [
            ("routings[0].destinations[1].number", "destination.kind"),
            ("routings[0].destinations[1].percent", "field.int_parsing"),
            ("routings[1].destinations[0].number", "number.required"),
            ("routings[1].destinations[0].percent", "field.out_of_range"),
            ("routings[2].destinations", "routing.empty"),
            ("routings[3].destinations", "routing.percent_sum")]
        ctx.rollback()
        prof = sav(ctx).profiles[0]
        routings.set_routings_from_rows(ctx, prof, [[{"number": "0145000000", "percent": "25 %"},
                                                     {"number": "0175000120", "percent": "75"}]])
        ctx.commit()
        [routing] = sav(ctx).profiles[0].routings
        assert [(d.number, d.reception_id is not None, d.percent) for d in routing.destinations] == [
            ("+33145000000", False, 25), (None, True, 75)]


def test_odds_are_the_resolvers_and_repeated_numbers_add_up():
    # Figure 72: the same two numbers in both routings, crossed.
    doc = RoutingsDoc.model_validate({"routings": [
        {"destinations": [{"number": "+33145000000", "percent": 50}, {"number": "+33145000001", "percent": 50}]},
        {"destinations": [{"number": "+33145000001", "percent": 50}, {"number": "+33145000000", "percent": 50}]}]})
    odds = routings.odds(doc)
    assert [[(o.to, o.probability) for o in r] for r in odds.routings] == [
        [("+33145000000", 0.5), ("+33145000001", 0.5)], [("+33145000001", 0.5), ("+33145000000", 0.5)]]
    assert odds.reach == {"+33145000000": 0.75, "+33145000001": 0.75}
    third = routings.routing_odds(["a", "b", "c"], [33, 33, 34])
    assert [o.probability for o in third] == [0.3301, 0.3298, 0.3401]  # 4096 buckets
    # routings 1 and 5 draw independently (issue 16, item 5: they used to read the same digits)
    same = RoutingsDoc.model_validate({"routings": [
        {"destinations": [{"number": "+33145000000", "percent": 50}, {"number": "+33145000001", "percent": 50}]}]
        + [{"destinations": [{"number": "+33145000002", "percent": 100}]}] * 3
        + [{"destinations": [{"number": "+33145000000", "percent": 50}, {"number": "+33145000001", "percent": 50}]}]})
    assert routings.odds(same).reach["+33145000000"] == 0.75


# -- rules (§3.7.7.4) and the profile active now -------------------------------------------

def test_rules_need_a_custom_profile_and_are_checked_by_field(rt):
    load_demo(rt)
    with rt.context(actor="test") as ctx:
        sp = sav(ctx)
        with pytest.raises(ValidationFailed) as exc:
            rule_service.add_rule(ctx, sp, {"profile": "Profil par défaut"})
        assert error_ids(exc) == ["rule.needs_custom_profile"]
        profile_edit.create_profile(ctx, sp, "Ouverture")
        with pytest.raises(ValidationFailed) as exc:
            rule_service.add_rule(ctx, sp, {"days": "mon-xyz", "hours": "08:05-12:00", "profile": "Nope"},
                                  require_origin=True)
        assert sorted(zip(error_fields(exc), error_ids(exc), strict=False)) == [
            ("days", "rule.days"), ("hours", "rule.step"), ("origins", "rule.origins_required"),
            ("profile", "profile.unknown")]
        with pytest.raises(ValidationFailed) as exc:
            rule_service.add_rule(ctx, sp, {"days": "all", "origins": ["09"], "profile": "Ouverture"})
        assert (error_fields(exc), error_ids(exc)) == (["origins[0]"], ["field.choice"])  # the schema, first
        with pytest.raises(ValidationFailed) as exc:
            rule_service.add_rule(ctx, sp, {"days": "31/02", "hours": "24:00-08:00", "profile": "Ouverture"})
        assert error_fields(exc) == ["days", "hours"]
        a = rule_service.add_rule(ctx, sp, {"days": "mon-fri", "hours": "08:00-18:00", "origins": ["mobile", "01"],
                                            "profile": "Ouverture"})
        b = rule_service.add_rule(ctx, sp, {"days": "20/09-23/09", "origins": list(reversed(
            ["01", "02", "03", "04", "05", "mobile", "other"])), "profile": "Profil par défaut"})
        c = rule_service.add_rule(ctx, sp, {"days": "sat-sun", "hours": "22:00-06:00", "profile": "Ouverture"})
        assert (a.origins, b.origins, c.origins) == ("01,mobile", "", "")  # ordered; all seven: any caller
        rule_service.move_rule(ctx, c, "up")
        rule_service.move_rule(ctx, c, {"direction": "up"})
        rule_service.move_rule(ctx, c, "up")  # already at the top
        assert [r.id for r in sp.rules] == [c.id, a.id, b.id] and [r.priority for r in sp.rules] == [0, 1, 2]
        with pytest.raises(ValidationFailed):
            rule_service.move_rule(ctx, a, "sideways")
        rule_service.update_rule(ctx, a, {"days": "mon", "hours": "all", "origins": ["other"], "profile": "Ouverture"})
        rule_service.delete_rule(ctx, c)
        ctx.commit()
        sp = sav(ctx)
        assert [rule_service.rule_doc(sp, r).model_dump() for r in sp.rules] == [
            {"days": "mon", "hours": "all", "origins": ["other"], "profile": "Ouverture"},
            {"days": "20/09-23/09", "hours": "all", "origins": [], "profile": "Profil par défaut"}]
        assert [r.priority for r in sp.rules] == [0, 1]


def test_the_profile_active_now_depends_on_the_caller_origin(rt):
    load_demo(rt)
    with rt.context(actor="test") as ctx:
        sp = sav(ctx)
        mobile = profile_edit.create_profile(ctx, sp, "Mobiles")
        routings.set_routings(ctx, mobile, {"routings": [{"destinations": [{"number": "0145000000", "percent": 100}]}]})
        rule_service.add_rule(ctx, sp, {"days": "mon-fri", "hours": "08:00-18:00", "origins": ["mobile"],
                                        "profile": "Mobiles"})
        ctx.commit()
        sp = sav(ctx)
        st = special_state(sp, "Europe/Paris", MONDAY_10)
        assert st.by_origin["mobile"] == (sp.profiles[1], 1)
        assert st.by_origin["01"] == (sp.profiles[0], None) and st.uniform is None
        assert st.active_ids == {sp.profiles[0].id, sp.profiles[1].id} and st.with_rules == {sp.profiles[1].id}
        night = special_state(sp, "Europe/Paris", datetime(2026, 11, 30, 20, 0, tzinfo=PARIS))
        assert night.uniform is sp.profiles[0]
        # the resolver agrees, caller by caller
        for caller, name, why in (("06 12 34 56 78", "Mobiles", "rule"),
                                  ("01 40 00 00 00", "Profil par défaut", "default"),
                                  (None, "Profil par défaut", "default"),
                                  ("+442079460000", "Profil par défaut", "default")):
            choice = profile_for(sp, "Europe/Paris", MONDAY_10, caller)
            assert (choice.profile.name, choice.why) == (name, why)
            assert sp.profiles[plan_for(ctx, caller, cond=Conditions()).outcome.profile].name == name
        assert profile_for(sp, "Europe/Paris", MONDAY_10, "0612345678").rule == 1
        assert profile_for(sp, "Europe/Paris", MONDAY_10, "0612345678").origin == "mobile"
        profile_edit.force(ctx, sp, sp.profiles[0])
        ctx.commit()
        st = special_state(sav(ctx), "Europe/Paris", MONDAY_10)
        assert st.forced is not None and st.active_ids == {sav(ctx).profiles[0].id}
        assert plan_for(ctx, "0612345678", cond=Conditions()).outcome.profile == 0
        assert profile_for(sav(ctx), "Europe/Paris", MONDAY_10, "0612345678").why == "forced"


# -- statistics (S-4) --------------------------------------------------------------------

def record(ctx, uuid, started, *, special=SAV, disposition="answered", duration=60, line=None, callee=None):
    t = bauer(ctx)
    line_id = ctx.session.scalar(select(Line.id).where(Line.number == line)) if line else None
    ctx.session.add(CallRecord(
        tenant_id=t.id, call_uuid=uuid, direction="inbound", caller="+33140000000", callee=callee or special,
        line_id=line_id, special_number=special, started_at=started,
        answered_at=started if disposition == "answered" else None, duration_s=duration, disposition=disposition))


def test_statistics_per_day_and_destination(rt):
    load_demo(rt)
    with rt.context(actor="test") as ctx:
        utc = UTC
        record(ctx, "a", datetime(2026, 3, 2, 9, 0, tzinfo=utc), line="+33175000102", duration=120)
        record(ctx, "b", datetime(2026, 3, 2, 10, 0, tzinfo=utc), disposition="missed", duration=0,
               line="+33175000102")
        # 3 March in Paris
        record(ctx, "c", datetime(2026, 3, 2, 23, 30, tzinfo=utc), callee="+33145000000", duration=30)
        record(ctx, "d", datetime(2026, 3, 4, 8, 0, tzinfo=utc), callee="0811000120", duration=45)
        record(ctx, "e", datetime(2026, 3, 4, 8, 0, tzinfo=utc), special="+33811999999")  # another number
        record(ctx, "f", datetime(2026, 2, 28, 8, 0, tzinfo=utc))  # before the period
        ctx.commit()
        start, end = stats.period("2026-03-01", "2026-03-05", datetime(2026, 4, 1).date())
        rep = stats.report(ctx, sav(ctx), start, end)
        assert [(d.isoformat(), t.calls, t.answered, t.total_s) for d, t in rep.days.items()] == [
            ("2026-03-01", 0, 0, 0), ("2026-03-02", 2, 1, 120), ("2026-03-03", 1, 1, 30),
            ("2026-03-04", 1, 1, 45), ("2026-03-05", 0, 0, 0)]
        assert (rep.total.calls, rep.total.answered, rep.total.total_s, rep.total.average_s) == (4, 3, 195, 65)
        assert {k: (t.calls, t.answered) for k, t in rep.destinations.items()} == {
            "+33175000102": (2, 1), "+33145000000": (1, 1), "": (1, 1)}
        assert list(rep.destinations)[0] == "+33175000102"
        assert rep.as_dict()["days"][1] == {"date": "2026-03-02", "calls": 2, "answered": 1, "total_duration_s": 120,
                                            "average_duration_s": 120}
        text = stats.to_csv(rep).decode("utf-8-sig").splitlines()
        assert text[0] == "Date;Calls;Answered;Total duration (s);Average duration (s)"
        assert text[2] == "2026-03-02;2;1;120;120" and text[-1] == "total;4;3;195;65"


def test_statistics_period_is_checked():
    today = datetime(2026, 4, 1).date()
    assert stats.period(None, None, today) == (datetime(2026, 3, 3).date(), today)
    for args, fields in ((("2026-13-01", "x"), ["from", "to"]), (("2026-03-05", "2026-03-01"), ["from"]),
                         (("2024-01-01", "2026-01-01"), ["from"])):
        with pytest.raises(ValidationFailed) as exc:
            stats.period(*args, today)
        assert error_fields(exc) == fields
