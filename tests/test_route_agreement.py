"""Agreement: the route resolver and the rendered FreeSWITCH dialplan (walked
as mod_dialplan_xml would) reach the same outcome in every scenario: the
same profile, the same ring attempts in the same order, the same end."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from helpers import sqlite_migrated_engine  # noqa: E402,F401  (SQLite only here)
from render_helpers import render

from orchestrator.domain.weights import uuid_with_draws
from orchestrator.render.snapshot import load_snapshot
from orchestrator.render.walker import Scenario, Walker, load_contexts
from orchestrator.routing.resolver import Conditions, resolve
from orchestrator.tenantdoc import importer

D = "agree.centrex.test"
A, B, C, DAN, EVE, FAY, GUS = (f"017510000{i}@{D}" for i in range(1, 8))
PARIS = ZoneInfo("Europe/Paris")

TENANT = {
    "tenant": {"name": "Agree", "sip_domain": D, "line_limit": 20},
    "lines": [
        {"number": "+33175100001", "label": "Alice", "short_number": "201"},
        {"number": "+33175100002", "label": "Bob", "short_number": "202", "voicemail": {"mode": "announce"}},
        {"number": "+33175100003", "label": "Carol", "short_number": "203", "voicemail": {"enabled": False}},
        {"number": "+33175100004", "label": "Dan", "forwards": {"unconditional": "+33612000004"}},
        {"number": "+33175100005", "label": "Eve", "backup_number": "+33612000055",
         "forwards": {"no_answer": "+33612000005"}},
        {"number": "+33175100006", "label": "Fay", "voicemail": {"enabled": False}},
        {"number": "+33175100007", "label": "Gus"},
    ],
    "reception_numbers": [
        {"number": "+33175100100", "label": "Seq", "short_number": "300", "profiles": [
            {"name": "Défaut", "default": True, "hunt_group": {
                "strategy": "sequential", "cycles": 2, "voicemail": "+33175100001",
                "members": ["+33175100001", "+33175100002", "+33175100003"]}},
            {"name": "Jour", "hunt_group": {"strategy": "simultaneous",
                                            "members": ["+33175100001", "+33175100002"]}},
            {"name": "Nuit", "hunt_group": {"strategy": "successive",
                                            "members": ["+33175100001", "+33175100002", "+33175100003"]}},
            {"name": "Fêtes", "hunt_group": {"strategy": "sequential", "members": ["+33175100003"],
                                             "voicemail": "+33175100002"}},
            {"name": "Printemps", "hunt_group": {"strategy": "simultaneous", "cycles": 2,
                                                 "members": ["+33175100001", "+33175100002", "+33175100003"]}},
            {"name": "Samedi", "hunt_group": {"strategy": "successive", "members": ["+33175100002", "+33175100001"],
                                              "voicemail": "+33175100003"}},
        ], "rules": [
            {"days": "24/12-02/01", "profile": "Fêtes"},
            {"days": "14/07", "profile": "Fêtes"},
            {"days": "mon-fri", "hours": "08:00-12:00", "profile": "Jour"},
            {"days": "fri-mon", "hours": "22:00-06:00", "profile": "Nuit"},
            {"days": "15/03-10/05", "hours": "18:00-24:00", "profile": "Printemps"},
            {"days": "sat", "hours": "10:00-12:00", "profile": "Samedi"},
        ]},
        {"number": "+33175100300", "label": "Forced", "forced_profile": "Urgence", "profiles": [
            {"name": "Défaut", "default": True, "hunt_group": {"members": ["+33175100001"]}},
            {"name": "Urgence", "hunt_group": {"strategy": "sequential", "members": ["+33175100002"]}},
        ], "rules": [{"days": "all", "profile": "Défaut"}]},
        {"number": "+33175100400", "label": "Renvois", "profiles": [
            {"name": "Défaut", "default": True, "hunt_group": {
                "strategy": "sequential", "forwards_allowed": True,
                "members": ["+33175100005", "+33175100001", "+33175100004"]}}]},
        {"number": "+33175100500", "label": "Ensemble", "profiles": [
            {"name": "Défaut", "default": True, "hunt_group": {
                "strategy": "simultaneous", "forwards_allowed": True,
                "members": ["+33175100001", "+33175100004"]}}]},
        # forwards allowed, a member of each kind (H-3, H-6): Fay (no backup,
        # voicemail off), Gus (voicemail on), Eve (backup number, no-answer
        # forward), Carol last (voicemail off); one profile per strategy
        {"number": "+33175100700", "label": "Tous", "profiles": [
            {"name": "Séquentiel", "default": True, "hunt_group": {
                "strategy": "sequential", "forwards_allowed": True, "cycles": 2,
                "members": ["+33175100006", "+33175100007", "+33175100005", "+33175100003"]}},
            {"name": "Successif", "hunt_group": {
                "strategy": "successive", "forwards_allowed": True,
                "members": ["+33175100006", "+33175100007", "+33175100005", "+33175100003"]}},
            {"name": "Simultané", "hunt_group": {
                "strategy": "simultaneous", "forwards_allowed": True, "voicemail": "+33175100002",
                "members": ["+33175100006", "+33175100007", "+33175100005", "+33175100003"]}},
            {"name": "Sans fin", "hunt_group": {
                "strategy": "sequential", "forwards_allowed": True,
                "members": ["+33175100006", "+33175100003"]}},
        ], "rules": [
            {"days": "sat", "profile": "Successif"},
            {"days": "sun", "profile": "Simultané"},
            {"days": "mon", "profile": "Sans fin"},
        ]},
        {"number": "+33175100200", "label": "Menu", "profiles": [
            {"name": "Défaut", "default": True, "ivr": {"keys": {
                "1": {"line": "+33175100001"}, "2": {"voicemail": "+33175100002"},
                "3": {"reception": "+33175100100", "mode": "dynamic"},
                "4": {"reception": "+33175100100", "mode": "default"},
                "5": {"reception": "+33175100100", "mode": "profile", "profile": "Jour"},
                "6": {"reception": "+33175100300"}},
                "fallback": {"line": "+33175100003"}}}]},
        {"number": "+33175100600", "label": "Menu2", "profiles": [
            {"name": "Défaut", "default": True, "ivr": {"keys": {"1": {"line": "+33175100002"}}}}]},
    ],
    "special_numbers": [
        {"number": "+33811100001", "label": "SAV", "profiles": [
            {"name": "Défaut", "default": True, "routings": [
                {"destinations": [{"reception": "+33175100600", "percent": 50},
                                  {"number": "+33175100002", "percent": 50}]},
                {"destinations": [{"number": "+33145000000", "percent": 100}]}]},
            {"name": "Mobiles", "routings": [{"destinations": [{"number": "+33175100001", "percent": 100}]}]},
            {"name": "IDF", "routings": [{"destinations": [{"number": "+33175100003", "percent": 30},
                                                           {"number": "+33145000000", "percent": 70}]},
                                         {"destinations": [{"reception": "+33175100100", "percent": 100}]}]},
            {"name": "Autres", "routings": [{"destinations": [{"number": "+33145000001", "percent": 100}]}]},
        ], "rules": [
            {"origins": ["mobile"], "profile": "Mobiles"},
            {"origins": ["01", "02"], "profile": "IDF"},
            {"origins": ["other"], "profile": "Autres"},
        ]},
        # ten routings: 1-4 go to numbers nobody answers in these scenarios;
        # routings 5-10 each split between two numbers (draws of their own)
        {"number": "+33811100002", "label": "Dix", "profiles": [
            {"name": "Défaut", "default": True, "routings": [
                {"destinations": [{"number": f"+3314500010{k}", "percent": 100}]} for k in range(4)] + [
                {"destinations": [{"number": f"+3314500020{k}", "percent": 40},
                                  {"number": f"+3314500030{k}", "percent": 60}]} for k in range(4, 10)]}]},
    ],
}

LOW, HIGH = "00000000-0000-4000-8000-000000000000", "ffffffff-ffff-4fff-bfff-ffffffffffff"
THU_10 = "2026-11-26 10:00"  # a Thursday
T = "2026-11-26 15:00"  # Thursday afternoon: no rule

# (id, dialled, caller, local time, conditions, expected outcome fragments)
SCENARIOS = [
    # lines (L-8)
    ("line answers", "+33175100001", "0140000000", T, dict(registered={A}, answers={A: "answer"}),
     {"final": f"bridge:{A}"}),
    ("line unregistered → voicemail", "+33175100001", "0140000000", T, {}, {"final": "voicemail:0175100001"}),
    ("line no answer → voicemail", "+33175100001", "0140000000", T, dict(registered={A}),
     {"final": "voicemail:0175100001"}),
    ("line announce only", "+33175100002", "0140000000", T, dict(registered={B}), {"final": "announce:0175100002"}),
    ("line without voicemail busy", "+33175100003", "0140000000", T, dict(registered={C}, answers={C: "busy"}),
     {"final": "hangup:USER_BUSY"}),
    ("line unconditional forward", "+33175100004", "0140000000", T, dict(answers={"gateway:+33612000004": "answer"}),
     {"final": "bridge:gateway:+33612000004"}),
    ("line backup number", "+33175100005", "0140000000", T, dict(answers={"gateway:+33612000055": "answer"}),
     {"final": "bridge:gateway:+33612000055"}),
    ("line no-answer forward", "+33175100005", "0140000000", T,
     dict(registered={EVE}, answers={"gateway:+33612000005": "busy"}), {"final": "hangup:USER_BUSY"}),
    # rule shapes, priority, end exclusive
    ("weekday range", "+33175100100", "0140000000", THU_10, {}, {"profile": 1}),
    ("end exclusive 12:00", "+33175100100", "0140000000", "2026-11-26 12:00", {}, {"profile": 0}),
    ("last minute 11:59", "+33175100100", "0140000000", "2026-11-26 11:59", {}, {"profile": 1}),
    ("wrapping days and hours, Friday 23:00", "+33175100100", "0140000000", "2026-11-27 23:00", {}, {"profile": 2}),
    ("wrapping, Saturday 02:00", "+33175100100", "0140000000", "2026-11-28 02:00", {}, {"profile": 2}),
    ("wrapping hours end exclusive 06:00", "+33175100100", "0140000000", "2026-11-30 06:00", {}, {"profile": 0}),
    ("not in weekday range, Tuesday 03:00", "+33175100100", "0140000000", "2026-12-01 03:00", {}, {"profile": 0}),
    ("date range across new year, 25/12", "+33175100100", "0140000000", "2026-12-25 10:00", {}, {"profile": 3}),
    ("date range, last day 02/01", "+33175100100", "0140000000", "2027-01-02 23:59", {}, {"profile": 3}),
    ("date range over, 03/01", "+33175100100", "0140000000", "2027-01-03 10:00", {}, {"profile": 0}),
    ("single date beats weekday rule", "+33175100100", "0140000000", "2026-07-14 09:00", {}, {"profile": 3}),
    ("month-spanning range with hours", "+33175100100", "0140000000", "2026-04-15 19:00", {}, {"profile": 4}),
    ("range start inclusive 06/05 18:00", "+33175100100", "0140000000", "2026-05-06 18:00", {}, {"profile": 4}),
    ("range over on 11/05", "+33175100100", "0140000000", "2026-05-11 18:30", {}, {"profile": 0}),
    ("single weekday with hours", "+33175100100", "0140000000", "2026-11-28 10:00", {}, {"profile": 5}),
    ("single weekday end exclusive", "+33175100100", "0140000000", "2026-11-28 12:00", {}, {"profile": 0}),
    ("short number reaches the rules", "300", "0175100002", THU_10, {}, {"profile": 1}),
    # strategies
    ("sequential, cycles, voicemail fallback", "+33175100100", "0140000000", T, dict(registered={A, B, C}),
     {"final": "voicemail:0175100001", "attempts": 6}),
    ("sequential, third member answers", "+33175100100", "0140000000", T,
     dict(registered={A, C}, answers={C: "answer"}), {"final": f"bridge:{C}", "attempts": 3}),
    ("sequential, busy member skipped", "+33175100100", "0140000000", T,
     dict(registered={A, B}, answers={A: "busy", B: "answer"}), {"final": f"bridge:{B}"}),
    ("simultaneous, one answers", "+33175100100", "0140000000", THU_10,
     dict(registered={A, B}, answers={B: "answer"}), {"final": f"bridge:{B}", "attempts": 1}),
    ("simultaneous, nobody, no voicemail", "+33175100100", "0140000000", THU_10, dict(registered={A}),
     {"final": "hangup:NO_ANSWER"}),
    ("simultaneous two cycles", "+33175100100", "0140000000", "2026-04-15 19:00", dict(registered={C}),
     {"attempts": 2}),
    ("successive, service down: sequential fallback", "+33175100100", "0140000000", "2026-11-28 03:00",
     dict(registered={C}, answers={C: "answer"}), {"final": f"bridge:{C}"}),
    ("successive, service up", "+33175100100", "0140000000", "2026-11-28 10:00",
     dict(hunt_service_up=True), {"final": "socket"}),
    ("successive fallback to voicemail", "+33175100100", "0140000000", "2026-11-28 10:00", {},
     {"final": "hangup:NO_ANSWER"}),
    ("forced profile", "+33175100300", "0140000000", THU_10, dict(registered={B}, answers={B: "answer"}),
     {"profile": 1, "final": f"bridge:{B}"}),
    # forwards allowed (H-3)
    ("forwards allowed: unregistered member's backup takes it", "+33175100400", "0140000000", T,
     dict(answers={"gateway:+33612000055": "answer"}), {"final": "bridge:gateway:+33612000055"}),
    ("forwards allowed: no answer → member's no-answer forward", "+33175100400", "0140000000", T,
     dict(registered={EVE}, answers={"gateway:+33612000005": "answer"}), {"final": "bridge:gateway:+33612000005"}),
    ("forwards allowed: member answers", "+33175100400", "0140000000", T,
     dict(registered={EVE}, answers={EVE: "answer"}), {"final": f"bridge:{EVE}"}),
    ("forwards allowed, simultaneous: a forward takes it", "+33175100500", "0140000000", T,
     dict(registered={A}, answers={"gateway:+33612000004": "answer"}), {"final": "bridge:gateway:+33612000004"}),
    # forwards allowed, members that are unregistered or busy (H-3, H-6): the
    # sequential profile of "Tous" (Thursday), the successive one with the
    # service down (Saturday), the simultaneous one (Sunday)
    *[(f"forwards allowed, {strategy}: {name}", "+33175100700", "0140000000", when, cond, expect)
      for strategy, when in (("sequential", T), ("successive fallback", "2026-11-28 15:00"))
      for name, cond, expect in (
          ("unregistered member without backup, voicemail off, is skipped",
           dict(registered={GUS}, answers={GUS: "answer"}), {"final": f"bridge:{GUS}", "attempts": 2}),
          ("unregistered member with voicemail on is skipped",
           dict(registered={EVE}, answers={EVE: "answer"}), {"final": f"bridge:{EVE}", "attempts": 3}),
          ("unregistered member's backup number takes the call",
           dict(registered={C}, answers={C: "answer", "gateway:+33612000055": "answer"}),
           {"final": "bridge:gateway:+33612000055"}),
          ("the hunt stops at the backup number, even if nobody answers there",
           dict(registered={C}, answers={C: "answer", "gateway:+33612000055": "no_answer"}),
           {"final": "hangup:NO_ANSWER"}),
          ("busy member is skipped, its voicemail does not take the call",
           dict(registered={FAY, GUS, EVE}, answers={FAY: "busy", GUS: "busy", EVE: "answer"}),
           {"final": f"bridge:{EVE}", "attempts": 3}),
          ("busy member with a no-answer forward is skipped",
           dict(registered={GUS, EVE, C}, answers={GUS: "busy", EVE: "busy", C: "answer"}),
           {"final": f"bridge:{C}", "attempts": 4}),
          ("member without answer: its voicemail takes the call", dict(registered={FAY, GUS}),
           {"final": "voicemail:0175100007", "attempts": 2}),
          ("member without answer, nothing to follow: the next member", dict(registered={FAY, GUS},
           answers={GUS: "answer"}), {"final": f"bridge:{GUS}", "attempts": 2}),
      )],
    ("forwards allowed, sequential: nobody registered, nothing follows: cycles, then the end", "+33175100700",
     "0140000000", "2026-11-30 15:00", {}, {"profile": 3, "final": "hangup:NO_ANSWER", "attempts": 2}),
    ("forwards allowed, sequential: busy and unregistered members, every cycle", "+33175100700",
     "0140000000", "2026-11-30 15:00", dict(registered={C}, answers={C: "busy"}),
     {"profile": 3, "final": "hangup:NO_ANSWER", "attempts": 2}),
    ("forwards allowed, simultaneous: unregistered and busy members skipped, the others ring", "+33175100700",
     "0140000000", "2026-11-29 15:00", dict(registered={GUS, C}, answers={GUS: "busy", C: "answer"}),
     {"profile": 2, "final": f"bridge:{C}", "attempts": 1}),
    ("forwards allowed, simultaneous: nobody registered, the group's voicemail", "+33175100700",
     "0140000000", "2026-11-29 15:00", {}, {"profile": 2, "final": "announce:0175100002", "attempts": 1}),
    # IVR keys
    ("IVR key line", "+33175100200", "0140000000", T, dict(digits=["1"], registered={A}, answers={A: "answer"}),
     {"final": f"bridge:{A}"}),
    ("IVR key voicemail", "+33175100200", "0140000000", T, dict(digits=["2"]), {"final": "announce:0175100002"}),
    ("IVR key reception dynamic", "+33175100200", "0140000000", THU_10, dict(digits=["3"], registered={A},
     answers={A: "answer"}), {"final": f"bridge:{A}"}),
    ("IVR key reception default profile", "+33175100200", "0140000000", THU_10,
     dict(digits=["4"], registered={A, B, C}), {"final": "voicemail:0175100001", "attempts": 6}),
    ("IVR key reception forced profile choice", "+33175100200", "0140000000", T, dict(digits=["5"], registered={B},
     answers={B: "answer"}), {"final": f"bridge:{B}"}),
    ("IVR key reception with forced profile", "+33175100200", "0140000000", T, dict(digits=["6"]),
     {"final": "hangup:NO_ANSWER"}),
    ("IVR invalid then valid", "+33175100200", "0140000000", T, dict(digits=["9", "", "1"], registered={A}),
     {"final": "voicemail:0175100001"}),
    ("IVR three invalid → fallback", "+33175100200", "0140000000", T, dict(digits=["9", "8", "7"]),
     {"final": "hangup:NO_ANSWER"}),
    ("IVR no fallback → hang up", "+33175100600", "0140000000", T, dict(digits=[]),
     {"final": "hangup:NORMAL_CLEARING"}),
    # special numbers: origins, weights, overflow
    ("08xx mobile caller", "+33811100001", "0612345678", T, dict(registered={A}, answers={A: "answer"}),
     {"profile": 1, "final": "bridge:loopback:+33175100001"}),
    ("08xx 01 caller picks by weight (low draw)", "+33811100001", "0140000000", T, dict(uuid=LOW, registered={C}),
     {"profile": 2}),
    ("08xx 02 caller (high draw) to the carrier", "+33811100001", "0240000000", T,
     dict(uuid=HIGH, answers={"gateway:+33145000000": "answer"}),
     {"profile": 2, "final": "bridge:loopback:+33145000000"}),
    ("08xx 01 overflow to a reception", "+33811100001", "0140000000", T, dict(uuid=HIGH, registered={A},
     answers={A: "answer"}), {"profile": 2, "final": f"bridge:{A}"}),
    ("08xx 03 caller: default profile, first routing to an IVR", "+33811100001", "0340000000", T,
     dict(uuid=LOW, digits=["1"], registered={B}, answers={B: "answer"}), {"profile": 0, "final": f"bridge:{B}"}),
    ("08xx 04 caller: IVR without a key ends the call", "+33811100001", "0440000000", T,
     dict(uuid=LOW, answers={"gateway:+33145000000": "answer"}), {"profile": 0, "final": "hangup:NORMAL_CLEARING"}),
    ("08xx overflow from an unanswered line to the carrier", "+33811100001", "0140000000", T,
     dict(uuid=LOW, registered={C}, answers={C: "busy"}), {"profile": 2}),
    ("08xx 05 caller: line routing", "+33811100001", "0540000000", T, dict(uuid=HIGH), {"profile": 0,
     "final": "bridge:loopback:+33175100002"}),
    ("08xx other: international caller", "+33811100001", "+442079460000", T,
     dict(answers={"gateway:+33145000001": "answer"}), {"profile": 3, "final": "bridge:loopback:+33145000001"}),
    ("08xx other: 09 caller, all routings fail", "+33811100001", "0975000000", T, {}, {"profile": 3,
     "final": "hangup:NO_ANSWER"}),
    ("unknown number", "+33175109999", "0140000000", T, {}, {"final": "hangup:UNALLOCATED_NUMBER"}),
    # routings 5-10 draw on digits of their own (item 5 of issue 16): the same
    # draw for routings 1-4 and a different one for 5-10 picks independently
    *[(f"08xx routing {k + 1} picks by its own draw ({'low' if v < 1638 else 'high'})", "+33811100002",
       "0140000000", T, dict(uuid=uuid_with_draws([4095] * 4 + [4095 - v] * (k - 4) + [v]),
                             answers={f"gateway:+33145000{'2' if v < 1638 else '3'}0{k}": "answer"}),
       {"final": f"bridge:loopback:+33145000{'2' if v < 1638 else '3'}0{k}", "attempts": k + 1})
      for k in range(4, 10) for v in (0, 1637, 1638, 4095)],
    ("08xx ten routings all fail", "+33811100002", "0140000000", T, dict(uuid=uuid_with_draws([17, 3000])),
     {"final": "hangup:NO_ANSWER", "attempts": 10}),
]




@pytest.fixture
def world(ctx):
    importer.import_document(ctx, TENANT)
    files = render(ctx)
    snap = load_snapshot(ctx.session).tenants[0]
    return load_contexts(files), snap


def walked(contexts, dialled, caller, at, cond: dict) -> dict:
    scenario = Scenario(registered=set(cond.get("registered", ())), answers=cond.get("answers", {}),
                        digits=list(cond.get("digits", [])), now=at,
                        socket_reachable=cond.get("hunt_service_up", False))
    walker = Walker(contexts, scenario)
    variables = {"caller_id_number": caller, "uuid": cond.get("uuid", LOW)}
    if dialled.isdigit() and len(dialled) <= 6:  # a short number, dialled from a line of the tenant
        result = walker.call(D, dialled, variables)
    else:
        result = walker.call("public", dialled, variables)
    profile = next((int(s.data.split()[0].split("~")[2]) for s in result.steps
                    if s.app == "transfer" and s.data.startswith("P~")), None)
    final = result.answered if result.answered and result.answered != "fax" else f"hangup:{result.hangup_cause}"
    return {"profile": profile, "attempts": [list(a) for a in result.attempts], "final": final}


@pytest.mark.parametrize("name,dialled,caller,at,cond,expect", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_resolver_and_dialplan_agree(world, name, dialled, caller, at, cond, expect):
    contexts, snap = world
    when = datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=PARIS)
    from_dialplan = walked(contexts, dialled, caller, when, cond)
    plan = resolve(snap, dialled, caller, when, Conditions(
        registered=set(cond.get("registered", ())), answers=dict(cond.get("answers", {})),
        uuid=cond.get("uuid", LOW), digits=list(cond.get("digits", [])),
        hunt_service_up=cond.get("hunt_service_up", False)))
    from_resolver = plan.outcome.as_dict()
    assert from_resolver == from_dialplan, plan.text()
    if "profile" in expect:
        assert from_resolver["profile"] == expect["profile"]
    if "final" in expect:
        assert from_resolver["final"] == expect["final"]
    if "attempts" in expect:
        assert len(from_resolver["attempts"]) == expect["attempts"]


def test_there_are_enough_scenarios():
    assert len(SCENARIOS) >= 40


def test_golden_files_cover_every_routing_feature(ctx):
    from render_helpers import fix_secrets
    from test_render_freeswitch import check_golden

    importer.import_document(ctx, TENANT)
    fix_secrets(ctx)
    files = render(ctx)
    check_golden("routing", {rel: data for rel, data in files.items() if "agree" in rel})


def test_simulate_command_on_the_demo_tenant(rt, capsys):
    """`orchestrator simulate` for the demo's numbers at several times."""
    import json

    from orchestrator.cli.demo_cmds import demo_yaml

    with rt.context() as ctx:
        importer.import_document(ctx, importer.load_yaml(demo_yaml()))

    # the group builds its own runtime from the environment: call the command itself with ours
    from orchestrator.cli.simulate_cmds import simulate

    def sim(*args: str) -> str:
        simulate.main(args=list(args), prog_name="simulate", standalone_mode=False, obj=rt)
        return capsys.readouterr().out

    open_ = sim("--to", "+33175000120", "--at", "2026-11-26 10:00")  # Thursday morning
    assert 'profile "Ouverture": rule 1 matched (mon-fri, 08:00-12:00)' in open_
    assert "sequential, 3 cycle(s), 15 s per member" in open_
    assert "Pierre (+33175000101), Paul (+33175000102), Jacques (+33175000103)" in open_
    assert "voicemail of Pierre" in open_
    lunch = sim("--to", "0175000120", "--at", "2026-11-26 12:30")
    assert 'profile "Profil par défaut": no rule matched, default profile' in lunch
    afternoon = sim("--to", "0175000120", "--at", "2026-11-26 17:50")
    assert "rule 2 matched (mon-fri, 14:00-18:00)" in afternoon
    christmas_eve = sim("--to", "0175000120", "--at", "2026-12-24 18:05")
    assert "default profile" in christmas_eve
    menu = sim("--to", "+33974762328", "--at", "2026-11-26 10:00")
    assert "1 → line Pierre; 2 → voicemail of Paul; 3 → Accueil 1 (its rules)" in menu
    sav = json.loads(sim("--to", "0811000120", "--from", "0612345678", "--json"))
    assert sav["kind"] == "special" and sav["routings"][0]["destinations"][0]["probability"] == 0.5
    line = sim("--to", "202", "--tenant", "Bauer SA")
    assert ("ring every registered device of Paul (+33175000102) for 25 s"
            " (2 allowed: the desk phone, the mobile app); the first to answer takes the call") in line
    assert "no answer: forwarded to +33612345678" in line
