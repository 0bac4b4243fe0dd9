"""The route simulator's structured answer (issue 16, item 6): the plan as
data, circumstances that give one outcome in the call log's terms (never
null), the rendered dialplan reaching the same outcome under the same
circumstances, the published schema, the CLI flags and POST /api/v1/simulate."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path

import pytest
from helpers import sqlite_migrated_engine  # noqa: F401  (SQLite only here)
from render_helpers import render
from test_route_agreement import PARIS, TENANT, T, walked

from orchestrator.render.snapshot import load_snapshot
from orchestrator.render.walker import load_contexts
from orchestrator.routing.answer import CircumstancesOut, conditions, schema_json, simulate
from orchestrator.tenantdoc import importer

ROOT = Path(__file__).resolve().parents[1]
WHEN = datetime.strptime(T, "%Y-%m-%d %H:%M").replace(tzinfo=PARIS)
NUMBERS = ([line["number"] for line in TENANT["lines"]] + [r["number"] for r in TENANT["reception_numbers"]]
           + [s["number"] for s in TENANT["special_numbers"]] + ["+33175109999"])
CIRCUMSTANCES = [
    CircumstancesOut(),
    CircumstancesOut(busy=["+33175100001"]),
    CircumstancesOut(unregistered=["+33175100001", "+33175100002"], keys="3"),
    CircumstancesOut(busy=["0175100002"], no_answer=["+33175100001", "+33145000000"], keys="2", draws=[4000]),
    CircumstancesOut(unregistered=["+33175100005", "+33175100003"], keys="9", draws=[100, 3000]),
    CircumstancesOut(no_answer=[f"+3314500010{k}" for k in range(4)], draws=[4095, 4095, 4095, 4095, 2000]),
]


@pytest.fixture
def world(ctx):
    importer.import_document(ctx, TENANT)
    files = render(ctx)
    return load_contexts(files), load_snapshot(ctx.session).tenants[0]


def test_the_committed_schema_is_current():
    """`make schema` writes docs/simulate-schema.json; run it after changing the answer's models."""
    assert (ROOT / "docs" / "simulate-schema.json").read_text(encoding="utf-8") == schema_json()


@pytest.mark.parametrize("number", NUMBERS)
def test_circumstances_give_one_outcome_the_dialplan_reaches_too(world, number):
    """For every number and every set of circumstances: an outcome (never
    null), and the rendered dialplan, walked under the same circumstances,
    ends the same way."""
    contexts, snap = world
    for circ, caller in itertools.product(CIRCUMSTANCES, ["0140000000", "0612000000"]):
        answer = simulate(snap, number, caller, WHEN, circ)
        assert answer.outcome is not None, (number, circ)
        assert answer.outcome.summary and answer.outcome.dialplan
        cond = conditions(snap, circ)
        from_dialplan = walked(contexts, number, caller, WHEN, {
            "registered": cond.registered, "answers": cond.answers, "digits": list(cond.digits), "uuid": cond.uuid})
        assert from_dialplan["final"] == answer.outcome.dialplan, (number, circ, answer.text)
        assert len(answer.steps) >= 1 and all(s.text for s in answer.steps)


def test_without_circumstances_the_plan_alone(world):
    _, snap = world
    assert simulate(snap, "+33175100100", "0140000000", WHEN).outcome is None


def test_outcomes_in_the_call_logs_terms(world):
    _, snap = world
    def sim(number, caller="0140000000", **c):
        return simulate(snap, number, caller, WHEN, CircumstancesOut(**c)).outcome

    answered = sim("+33175100001")
    assert (answered.disposition, answered.line, answered.label) == ("answered", "+33175100001", "Alice")
    busy = sim("+33175100003", busy=["+33175100003"])
    assert (busy.disposition, busy.hangup_cause) == ("busy", "USER_BUSY")
    vm = sim("+33175100001", unregistered=["+33175100001"])
    assert (vm.disposition, vm.line, vm.greeting_only) == ("voicemail", "+33175100001", False)
    greeting = sim("+33175100002", no_answer=["+33175100002"])
    assert (greeting.disposition, greeting.line, greeting.greeting_only) == ("voicemail", "+33175100002", True)
    backup = sim("+33175100005", unregistered=["+33175100005"])
    assert (backup.disposition, backup.forwarded_to) == ("forwarded", "+33612000055")
    # the sequential group (Défaut at 15:00): Alice busy, Bob takes it
    hunt = sim("+33175100100", busy=["+33175100001"])
    assert (hunt.disposition, hunt.line) == ("answered", "+33175100002")
    assert hunt.rang[:2] == [["+33175100001"], ["+33175100002"]]
    # the menu: key 2 is Bob's voicemail (greeting only)
    menu = sim("+33175100200", keys="2")
    assert (menu.disposition, menu.line) == ("voicemail", "+33175100002")
    hung_up = sim("+33175100600", keys="7")
    assert (hung_up.disposition, hung_up.hangup_cause) == ("missed", "NORMAL_CLEARING")
    unknown = sim("+33175109999")
    assert (unknown.disposition, unknown.hangup_cause) == ("failed", "UNALLOCATED_NUMBER")
    # ten routings: 1-4 do not answer, routing 5's draw picks its second destination (60 % from 1638)
    dix = sim("+33811100002", no_answer=[f"+3314500010{k}" for k in range(4)], draws=[0, 0, 0, 0, 1638])
    assert (dix.disposition, dix.forwarded_to) == ("forwarded", "+33145000304")
    assert len(dix.rang) == 5
    # a routing to a line of the company: how that line's leg ended (its voicemail), not just "bridged"
    sav = sim("+33811100001", "0540000000", draws=[4095], no_answer=["+33175100002"])  # « Défaut »
    assert (sav.disposition, sav.line, sav.greeting_only) == ("voicemail", "+33175100002", True)


def test_the_plan_as_data(world):
    _, snap = world
    plan = simulate(snap, "+33811100002", "0140000000", WHEN)
    assert plan.kind == "special" and plan.profile.name == "Défaut"
    assert [r.routing for r in plan.routings] == list(range(1, 11))
    fifth = plan.routings[4]
    assert [(d.number, d.percent, d.probability, d.draws) for d in fifth.destinations] == [
        ("+33145000204", 40, 0.3999, (0, 1637)), ("+33145000304", 60, 0.6001, (1638, 4095))]
    assert fifth.on_failure == "routing 6" and plan.routings[-1].on_failure.startswith("the call ends")
    assert fifth.destinations[0].then[0].ring_time_s == 30
    sav = simulate(snap, "+33811100001", "0540000000", WHEN)  # « Défaut »: routing 2 is said, not only named
    reception = sav.routings[0].destinations[0]
    assert reception.kind == "reception" and [s.action for s in reception.then][:2] == ["profile", "menu"]
    hunt = next(s for s in simulate(snap, "+33175100100", None, WHEN).steps if s.action == "hunt")
    assert (hunt.strategy, hunt.cycles, hunt.ring_time_s) == ("sequential", 2, 20)
    assert [t.number for t in hunt.targets] == ["+33175100001", "+33175100002", "+33175100003"]
    vm = simulate(snap, "+33175100100", None, WHEN).steps[-1]
    assert (vm.action, vm.condition, vm.targets[0].number) == ("voicemail", "nobody answered", "+33175100001")
    menu = next(s for s in simulate(snap, "+33175100200", None, WHEN).steps if s.action == "menu")
    assert {k.key: k.then for k in menu.keys}["2"] == "voicemail of Bob"


def test_cli_flags_and_json(rt, capsys):
    from orchestrator.cli.demo_cmds import demo_yaml
    from orchestrator.cli.simulate_cmds import simulate as command

    with rt.context() as ctx:
        importer.import_document(ctx, importer.load_yaml(demo_yaml()))

    def sim(*args: str) -> str:
        command.main(args=list(args), prog_name="simulate", standalone_mode=False, obj=rt)
        return capsys.readouterr().out

    text = sim("--to", "0175000120", "--at", "2026-11-26 10:00", "--busy", "0175000101")
    assert "sequential, 3 cycle(s), 15 s per member" in text  # the prose stays
    assert "=> answered by Paul (+33175000102) [answered]" in text
    out = json.loads(sim("--to", "0811000120", "--from", "0612345678", "--draw", "0.7", "--unregistered",
                         "+33175000102", "--json"))
    assert out["outcome"]["disposition"] == "voicemail" and out["outcome"]["line"] == "+33175000102"
    assert out["circumstances"]["draws"] == [2867]
    assert [r["routing"] for r in out["routings"]] == [1, 2]
    menu = json.loads(sim("--to", "+33974762328", "--keys", "1", "--no-answer", "+33175000101", "--json"))
    assert menu["outcome"]["disposition"] in ("voicemail", "forwarded", "missed", "answered")
    assert menu["outcome"]["rang"][0] == ["+33175000101"]


def test_hunt_members_forwards_explained(world):
    """Issue 16, item 2: with forwards allowed, the plan says for each member
    what its own settings do (H-3), and that a member busy or not registered
    without a backup number is skipped (H-6): its voicemail does not take
    the call. Fay and Gus (voicemail on) unregistered: Eve answers."""
    _, snap = world
    answer = simulate(snap, "+33175100700", "0140000000", WHEN,
                      CircumstancesOut(unregistered=["+33175100006", "+33175100007"]))
    assert (answer.outcome.disposition, answer.outcome.line) == ("answered", "+33175100005")
    assert answer.outcome.rang == [["+33175100006"], ["+33175100007"], ["+33175100005"]]
    members = next(s for s in answer.steps if s.action == "members")
    assert members.condition == "busy, or not registered without a backup number: skipped"
    assert "as soon as a member's forward or voicemail takes the call, the hunt stops" in members.text
    assert "its voicemail does not take the call" in members.text
    said = {(s.action, s.condition): s for s in answer.steps}
    gus = said[("unregistered", "Gus not registered")]
    assert gus.text == ("Gus (+33175100007) not registered: skipped without waiting its ring time "
                        "(its voicemail does not take the call)") and gus.next == "the next member"
    eve = said[("unregistered", "Eve not registered")]
    assert [t.number for t in eve.targets] == ["+33612000055"] and eve.next == "the hunt stops"
    gus_na = said[("voicemail", "Gus does not answer")]
    assert [(t.kind, t.number) for t in gus_na.targets] == [("voicemail", "+33175100007")]
    assert said[("forward", "Eve does not answer")].targets[0].number == "+33612000005"
    assert said[("ring", "Fay does not answer")].next == "the next member"
