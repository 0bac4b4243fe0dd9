"""/api/v1/reception-numbers: the « Mon standard » editors for programs
(manual §3.7.1, §3.7.5, §3.7.6; R-1, I-*, T-1..T-3). Add and delete a
reception number, its profiles (create, change, duplicate, delete), its
time rules (list, replace, add, change, move, delete) and the voice menu of
an IVR profile. The same services and errors as the web forms."""

from __future__ import annotations

from typing import Literal

from flask import abort, jsonify, request
from pydantic import BaseModel, Field

from orchestrator.db.models import ReceptionNumber, ReceptionProfile, ReceptionRule
from orchestrator.services.base import parse_doc
from orchestrator.services.reception import ivr as ivr_edit
from orchestrator.services.reception import numbers as numbers_edit
from orchestrator.services.reception import profiles as profiles_edit
from orchestrator.services.reception import rules as rules_edit
from orchestrator.services.reception.schema import ProfileDoc, RuleDoc
from orchestrator.services.reception.service import profile_to_doc

from .base import body, ctx, principal, route
from .reception import PROFILE_RULE, _profile, _rec, rec_out
from .schemas import ReceptionOut

RULES = "/reception-numbers/<number>/rules"


class ReceptionProposalOut(BaseModel):
    number: str = Field(description="E.164")
    kind: str


class ReceptionProfileOut(ProfileDoc):
    id: int
    kind: Literal["hunt", "ivr"]
    forced: bool = False


class ReceptionRuleOut(BaseModel):
    id: int
    priority: int = Field(description="1 = the top rule, which wins")
    days: str
    hours: str
    profile: str


def profile_out(prof: ReceptionProfile) -> dict:
    doc = profile_to_doc(ctx(), prof)
    # the ignore below: kind: a str column holding the schema's Literal values
    return ReceptionProfileOut(id=prof.id, kind=prof.kind, forced=prof.forced,  # type: ignore[arg-type]
                      **doc.model_dump()).model_dump(mode="json")


def rules_out(rec: ReceptionNumber):
    return jsonify([ReceptionRuleOut(**r).model_dump() for r in rules_edit.rule_list(rec)])


def _rule(rec: ReceptionNumber, rule_id: int) -> ReceptionRule:
    rule = rules_edit.get_rule(rec, rule_id)
    if rule is None:
        abort(404)
    return rule


# -- §3.7.1 reception numbers -----------------------------------------------------------

@route("/reception-numbers/proposals", "GET", summary="Free numbers for a new reception number (§3.7.1)",
       tag="reception", response=ReceptionProposalOut, list_response=True,
       query={"kind": "geographic (default) or voip", "zone": "01-05 (geographic numbers)",
              "digits": "the last digits wanted (\"à la carte\")"})
def reception_proposals():
    """Numbers of the pool that are free: those reserved for the company
    first. Any of them (or another free number of the pool) can be created."""
    args = request.args
    kind = args.get("kind", "geographic")
    numbers = numbers_edit.proposals(ctx(), ctx().tenant(principal().tenant_id), kind, args.get("zone") or None,
                                     args.get("digits") or None, count=10)
    return jsonify([{"number": n, "kind": kind if kind in numbers_edit.NUMBER_KINDS else "geographic"}
                    for n in numbers])


@route("/reception-numbers", "POST", summary="Add a reception number (§3.7.1)", tag="reception",
       request=numbers_edit.NewReceptionIn, response=ReceptionOut, status=201)
def create_reception():
    """On a free number of the pool, with its default profile: a
    simultaneous hunt group without members."""
    rec = numbers_edit.add_reception(ctx(), ctx().tenant(principal().tenant_id), body())
    return jsonify(rec_out(rec)), 201


@route("/reception-numbers/<number>", "PATCH", summary="Change the label or the short number", tag="reception",
       request=numbers_edit.ReceptionPatch, response=ReceptionOut)
def patch_reception(number: str):
    rec = numbers_edit.update_reception(ctx(), _rec(number), body())
    return jsonify(rec_out(rec))


@route("/reception-numbers/<number>", "DELETE", summary="Delete a reception number", tag="reception", status=204)
def delete_reception(number: str):
    """Refused (422 ``reception.in_use``) while an IVR key of another
    reception number or a special number sends calls to it."""
    numbers_edit.delete_reception(ctx(), _rec(number))
    return "", 204


# -- §3.7.6.1-3 profiles (T-3) ----------------------------------------------------------

@route("/reception-numbers/<number>/profiles", "POST", summary="Create a profile (hunt group or IVR)",
       tag="reception", request=profiles_edit.ReceptionProfileIn, response=ReceptionProfileOut, status=201)
def create_reception_profile(number: str):
    prof = profiles_edit.create_profile(ctx(), _rec(number), body())
    return jsonify(profile_out(prof)), 201


@route(PROFILE_RULE, "GET", summary="One profile", tag="reception", response=ReceptionProfileOut)
def get_reception_profile(number: str, profile_id: int):
    return jsonify(profile_out(_profile(number, profile_id)))


@route(PROFILE_RULE, "PATCH", summary="Rename a profile, change its type or its pre-answer greeting",
       tag="reception", request=profiles_edit.ReceptionProfilePatch, response=ReceptionProfileOut)
def patch_reception_profile(number: str, profile_id: int):
    prof = profiles_edit.update_profile(ctx(), _profile(number, profile_id), body())
    return jsonify(profile_out(prof))


@route(PROFILE_RULE + "/duplicate", "POST", summary="Duplicate a profile (settings, members, IVR keys)",
       tag="reception", request=profiles_edit.ReceptionDuplicateIn, response=ReceptionProfileOut, status=201)
def duplicate_reception_profile(number: str, profile_id: int):
    """The copy is named ``<name> (2)``, ``(3)``… unless ``name`` is given."""
    data = request.get_json(silent=True)
    prof = profiles_edit.duplicate_profile(ctx(), _profile(number, profile_id), body() if data else {})
    return jsonify(profile_out(prof)), 201


@route(PROFILE_RULE, "DELETE", summary="Delete a profile and its time rules", tag="reception", status=204)
def delete_reception_profile(number: str, profile_id: int):
    """Never the default profile (422 ``profile.default_undeletable``), nor
    one an IVR key forces (422 ``profile.in_use``)."""
    profiles_edit.delete_profile(ctx(), _profile(number, profile_id))
    return "", 204


# -- §3.7.6.4 time rules (T-1) ----------------------------------------------------------

@route(RULES, "GET", summary="The time rules, in priority order", tag="reception", response=ReceptionRuleOut,
       list_response=True)
def list_reception_rules(number: str):
    return rules_out(_rec(number))


@route(RULES, "PUT", summary="Replace every time rule", tag="reception", request=rules_edit.ReceptionRulesIn,
       response=ReceptionRuleOut, list_response=True)
def replace_reception_rules(number: str):
    rec = _rec(number)
    rules_edit.replace_rules(ctx(), rec, body())
    return rules_out(rec)


@route(RULES, "POST", summary="Add a time rule (at `position`, else last)", tag="reception",
       request=rules_edit.ReceptionRuleIn, response=ReceptionRuleOut, list_response=True, status=201)
def add_reception_rule(number: str):
    """Returns the whole list, in priority order."""
    rec = _rec(number)
    rules_edit.add_rule(ctx(), rec, body())
    return rules_out(rec), 201


@route(RULES + "/<int:rule_id>", "PUT", summary="Change a time rule", tag="reception", request=RuleDoc,
       response=ReceptionRuleOut, list_response=True)
def put_reception_rule(number: str, rule_id: int):
    rec = _rec(number)
    rules_edit.update_rule(ctx(), rec, _rule(rec, rule_id), body())
    return rules_out(rec)


@route(RULES + "/<int:rule_id>/move", "POST", summary="Move a time rule up or down one place", tag="reception",
       request=rules_edit.RuleMoveIn, response=ReceptionRuleOut, list_response=True)
def move_reception_rule(number: str, rule_id: int):
    rec = _rec(number)
    rule = _rule(rec, rule_id)
    move: rules_edit.RuleMoveIn = parse_doc(rules_edit.RuleMoveIn, body())
    rules_edit.move_rule(ctx(), rec, rule, move.direction)
    return rules_out(rec)


@route(RULES + "/<int:rule_id>", "DELETE", summary="Delete a time rule", tag="reception", response=ReceptionRuleOut,
       list_response=True)
def delete_reception_rule(number: str, rule_id: int):
    """Returns the remaining rules."""
    rec = _rec(number)
    rules_edit.delete_rule(ctx(), rec, _rule(rec, rule_id))
    return rules_out(rec)


# -- §3.7.5 the voice menu (I-1, I-2) -------------------------------------------------------

@route(PROFILE_RULE + "/ivr", "GET", summary="The voice menu of an IVR profile", tag="reception",
       response=ivr_edit.IvrEditDoc)
def get_ivr(number: str, profile_id: int):
    return jsonify(ivr_edit.ivr_doc(ctx(), _profile(number, profile_id)).model_dump(mode="json"))


@route(PROFILE_RULE + "/ivr", "PUT", summary="Save the voice menu (I-1, I-2)", tag="reception",
       request=ivr_edit.IvrEditDoc, response=ivr_edit.IvrEditDoc)
def put_ivr(number: str, profile_id: int):
    """The whole menu: a key left out does nothing. Loops between reception
    numbers are refused (422 ``reception.loop``)."""
    prof = _profile(number, profile_id)
    ivr_edit.update_ivr(ctx(), prof, body())
    return jsonify(ivr_edit.ivr_doc(ctx(), prof).model_dump(mode="json"))
