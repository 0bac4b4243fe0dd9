"""/api/v1/special-numbers (manual §3.7.2, §3.7.7; S-1..S-4, N-2, N-3): the
special 08xx numbers of the company: free numbers of the pool, add, relabel,
delete; profiles (create, rename, duplicate, delete, force) and their
routings with load shares and odds; time-and-origin rules (create, change,
delete, move); incoming-call statistics (JSON and CSV). The same service
functions, checks and error ids as the « Mes services » screens."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, jsonify, request
from pydantic import BaseModel, Field

from orchestrator.db.models import SpecialNumber, SpecialProfile, SpecialRule
from orchestrator.domain.errors import FieldError, ValidationFailed
from orchestrator.services.special import lookup as special_lookup
from orchestrator.services.special import numbers, pool, routings, stats
from orchestrator.services.special import profiles as profile_edit
from orchestrator.services.special import rules as rule_service
from orchestrator.services.special.active import special_state
from orchestrator.services.special.inputs import (
    LabelDoc,
    MoveDoc,
    NewSpecialDoc,
    ProfileNameDoc,
    RoutingsDoc,
    RuleInDoc,
)
from orchestrator.services.special.schema import DestinationDoc, SpecialRuleDoc
from orchestrator.services.special.service import all_for

from .base import body, ctx, principal, route
from .schemas import ForceIn

TAG = "special numbers"
NUMBER = "/special-numbers/<number>"
PROFILE = NUMBER + "/profiles/<int:profile_id>"
RULE = NUMBER + "/rules/<int:rule_id>"


class FreeNumberOut(BaseModel):
    number: str
    prefix: str
    price: str = Field(description="What the caller pays (N-3)")
    gold: bool = Field(description="A memorable (Gold) number")
    reserved: bool = Field(description="Reserved for this company")


class DestinationOut(DestinationDoc):
    probability: float = Field(description="Chance this routing draws it (4096 buckets, as the telephony does)")


class RoutingOut(BaseModel):
    destinations: list[DestinationOut]


class SpecialProfileOut(BaseModel):
    id: int
    name: str
    default: bool
    forced: bool
    active_now: bool = Field(description="Takes some caller's call now (forced, or selected for an origin)")
    has_rules: bool
    routings: list[RoutingOut] = Field(description="Routage 1, 2, … in overflow order")
    reach: dict[str, float] = Field(
        default_factory=dict,
        description="Destination → chance it is tried when the calls overflow through every routing")


class SpecialRuleOut(SpecialRuleDoc):
    id: int
    priority: int = Field(description="1 = the top rule, which wins")
    profile_id: int


class SpecialNowOut(BaseModel):
    forced: str | None = None
    by_origin: dict[str, str] = Field(description="Caller origin → the profile the rules select now (forcing aside)")
    rule_by_origin: dict[str, int | None] = Field(description="Caller origin → 1-based rule; null: the default profile")
    local_time: str


class SpecialOut(BaseModel):
    id: int
    number: str
    label: str
    price: str
    forced_profile: str | None = None
    profiles: list[SpecialProfileOut]
    rules: list[SpecialRuleOut]
    now: SpecialNowOut


class DuplicateIn(BaseModel):
    name: str | None = Field(None, description="Name of the copy; default: \"<name> (copy)\"")


class TallyOut(BaseModel):
    calls: int
    answered: int
    total_duration_s: int
    average_duration_s: int = Field(description="Of the answered calls")


class DayOut(TallyOut):
    date: str


class DestinationStatsOut(TallyOut):
    destination: str | None = Field(description="Line or number that took the calls; null: not recorded")


class StatisticsOut(BaseModel):
    number: str
    from_: str = Field(alias="from")
    to: str
    timezone: str
    total: TallyOut
    days: list[DayOut]
    destinations: list[DestinationStatsOut]


# -- lookups: 404 outside the token's company ---------------------------------------------

def _special(number: str) -> SpecialNumber:
    return special_lookup.special_by_number(ctx().session, principal().tenant_id, number, ctx().settings.default_region)


def _profile(number: str, profile_id: int) -> SpecialProfile:
    return special_lookup.profile_of(_special(number), profile_id)


def _rule(number: str, rule_id: int) -> SpecialRule:
    return special_lookup.rule_of(_special(number), rule_id)


def profile_out(prof: SpecialProfile, active: frozenset[int] | None = None) -> dict:
    special = prof.special
    if active is None:
        active = special_state(special, ctx().tenant(special.tenant_id).timezone).active_ids
    doc = routings.routings_doc(ctx().session, prof)
    odds = routings.odds(doc)
    out = [RoutingOut(destinations=[DestinationOut(**d.model_dump(), probability=o.probability)
                                    for d, o in zip(r.destinations, ro, strict=False)])
           for r, ro in zip(doc.routings, odds.routings, strict=False)]
    return SpecialProfileOut(id=prof.id, name=prof.name, default=prof.is_default, forced=prof.forced,
                             active_now=prof.id in active,
                             has_rules=any(r.profile_id == prof.id for r in special.rules),
                             routings=out, reach=odds.reach).model_dump(mode="json")


def rules_out(special: SpecialNumber) -> list[dict]:
    return [SpecialRuleOut(id=r.id, priority=i, profile_id=r.profile_id,
                           **rule_service.rule_doc(special, r).model_dump()).model_dump(mode="json")
            for i, r in enumerate(special.rules, start=1)]


def special_out(special: SpecialNumber) -> dict:
    st = special_state(special, ctx().tenant(special.tenant_id).timezone)
    now = SpecialNowOut(forced=st.forced.name if st.forced else None, by_origin=st.scheduled,
                        rule_by_origin={o: n for o, (_p, n) in st.by_origin.items()},
                        local_time=st.local_time.isoformat(timespec="minutes"))
    return SpecialOut(id=special.id, number=special.number, label=special.label, price=pool.price_of(special.number),
                      forced_profile=st.forced.name if st.forced else None,
                      # the ignore below: dicts, validated into the nested models
                      profiles=[profile_out(p, st.active_ids) for p in special.profiles],  # type: ignore[misc]
                      # the ignore below: dicts, validated into the nested models
                      rules=rules_out(special), now=now).model_dump(mode="json")  # type: ignore[arg-type]


# -- special numbers (§3.7.2) ------------------------------------------------------------

@route("/special-numbers", "GET", summary="The company's special numbers", tag=TAG, response=SpecialOut,
       list_response=True)
def list_specials():
    return jsonify([special_out(s) for s in all_for(ctx(), ctx().tenant(principal().tenant_id))])


@route("/special-numbers/available", "GET", summary="Free special numbers of the pool (§3.7.2, Figures 53-54)",
       tag=TAG, response=FreeNumberOut, list_response=True,
       query={"prefix": "0811, 0820, 0821, 0825, 0826, 0891, 0892 or 0897",
              "last_digits": "\"à la carte\": the number ends with these digits"})
def available_specials():
    free = pool.free_numbers(ctx().session, ctx().tenant(principal().tenant_id), request.args.get("prefix") or None,
                             request.args.get("last_digits") or None)
    return jsonify([FreeNumberOut(number=f.number, prefix=f.prefix, price=f.price, gold=f.gold,
                                  reserved=f.reserved).model_dump() for f in free])


@route("/special-numbers", "POST", summary="Add a special number from the free numbers of the pool", tag=TAG,
       request=NewSpecialDoc, response=SpecialOut, status=201)
def create_special():
    """``destination`` (optional) becomes the only routing of the default profile."""
    special = numbers.add(ctx(), ctx().tenant(principal().tenant_id), body())
    return jsonify(special_out(special)), 201


@route(NUMBER, "GET", summary="One special number, its profiles, rules and the profile active now", tag=TAG,
       response=SpecialOut)
def get_special(number: str):
    return jsonify(special_out(_special(number)))


@route(NUMBER, "PATCH", summary="Change the label", tag=TAG, request=LabelDoc, response=SpecialOut)
def patch_special(number: str):
    special = _special(number)
    numbers.set_label(ctx(), special, body())
    return jsonify(special_out(special))


@route(NUMBER, "DELETE", summary="Delete a special number (it goes back to the pool)", tag=TAG, status=204)
def delete_special(number: str):
    numbers.remove(ctx(), _special(number))
    return "", 204


@route(NUMBER + "/force", "POST", summary="Force a profile, or stop forcing (§3.7.7.5)", tag=TAG, request=ForceIn,
       response=SpecialOut)
def force_special(number: str):
    special = _special(number)
    data = ForceIn.model_validate(body()) if body() else ForceIn()
    prof = next((p for p in special.profiles if p.name == data.profile), None)
    if data.profile is not None and prof is None:
        raise ValidationFailed([FieldError("profile.unknown", "profile", f"unknown profile {data.profile!r}")])
    profile_edit.force(ctx(), special, prof)
    return jsonify(special_out(special))


# -- profiles and routings (§3.7.7.1-3.7.7.3) ------------------------------------------------

@route(NUMBER + "/profiles", "POST", summary="Create a profile (no routing yet)", tag=TAG, request=ProfileNameDoc,
       response=SpecialProfileOut, status=201)
def create_special_profile(number: str):
    prof = profile_edit.create_profile(ctx(), _special(number), body())
    return jsonify(profile_out(prof)), 201


@route(PROFILE, "GET", summary="A profile with its routings and their odds", tag=TAG, response=SpecialProfileOut)
def get_special_profile(number: str, profile_id: int):
    return jsonify(profile_out(_profile(number, profile_id)))


@route(PROFILE, "PATCH", summary="Rename a profile", tag=TAG, request=ProfileNameDoc, response=SpecialProfileOut)
def rename_special_profile(number: str, profile_id: int):
    prof = profile_edit.rename_profile(ctx(), _profile(number, profile_id), body())
    return jsonify(profile_out(prof))


@route(PROFILE + "/duplicate", "POST", summary="Duplicate a profile with its routings", tag=TAG,
       request=DuplicateIn, response=SpecialProfileOut, status=201)
def duplicate_special_profile(number: str, profile_id: int):
    prof = _profile(number, profile_id)
    data = DuplicateIn.model_validate(body()) if body() else DuplicateIn()
    name = data.name if data.name is not None else profile_edit.free_name(prof.special, f"{prof.name} (copy)")
    copy = profile_edit.duplicate_profile(ctx(), prof, name)
    return jsonify(profile_out(copy)), 201


@route(PROFILE, "DELETE", summary="Delete a profile and its rules (not the default profile)", tag=TAG, status=204)
def delete_special_profile(number: str, profile_id: int):
    profile_edit.delete_profile(ctx(), _profile(number, profile_id))
    return "", 204


@route(PROFILE + "/routings", "PUT", summary="Replace a profile's routings (S-2)", tag=TAG, request=RoutingsDoc,
       response=SpecialProfileOut)
def put_special_routings(number: str, profile_id: int):
    """Each routing lists destinations (``number``: a 10-digit French number,
    not special, mobile nor international; or ``reception``: a reception
    number of the company) whose ``percent`` add up to 100."""
    prof = routings.set_routings(ctx(), _profile(number, profile_id), body())
    return jsonify(profile_out(prof))


# -- time-and-origin rules (§3.7.7.4) ------------------------------------------------------

@route(NUMBER + "/rules", "GET", summary="The time-and-origin rules, in priority order", tag=TAG,
       response=SpecialRuleOut, list_response=True)
def list_special_rules(number: str):
    return jsonify(rules_out(_special(number)))


@route(NUMBER + "/rules", "POST", summary="Add a rule at the bottom (lowest priority)", tag=TAG, request=RuleInDoc,
       response=SpecialRuleOut, status=201)
def create_special_rule(number: str):
    special = _special(number)
    rule = rule_service.add_rule(ctx(), special, body())
    return jsonify(next(r for r in rules_out(special) if r["id"] == rule.id)), 201


@route(RULE, "PUT", summary="Change a rule", tag=TAG, request=RuleInDoc, response=SpecialRuleOut)
def put_special_rule(number: str, rule_id: int):
    rule = _rule(number, rule_id)
    rule_service.update_rule(ctx(), rule, body())
    return jsonify(next(r for r in rules_out(rule.special) if r["id"] == rule.id))


@route(RULE, "DELETE", summary="Delete a rule", tag=TAG, status=204)
def delete_special_rule(number: str, rule_id: int):
    rule_service.delete_rule(ctx(), _rule(number, rule_id))
    return "", 204


@route(RULE + "/move", "POST", summary="Move a rule one place up or down", tag=TAG, request=MoveDoc,
       response=SpecialRuleOut, list_response=True)
def move_special_rule(number: str, rule_id: int):
    rule = _rule(number, rule_id)
    rule_service.move_rule(ctx(), rule, body())
    return jsonify(rules_out(rule.special))


# -- statistics (S-4) -----------------------------------------------------------------------

def _report(special: SpecialNumber) -> stats.Report:
    today = datetime.now(ZoneInfo(ctx().tenant(special.tenant_id).timezone)).date()
    start, end = stats.period(request.args.get("from"), request.args.get("to"), today)
    return stats.report(ctx(), special, start, end)


PERIOD = {"from": "first day YYYY-MM-DD (default: 29 days before `to`)", "to": "last day, included (default: today)"}


@route(NUMBER + "/statistics", "GET", summary="Incoming calls per day of a period", tag=TAG,
       response=StatisticsOut, query=PERIOD)
def special_statistics(number: str):
    return jsonify(_report(_special(number)).as_dict())


@route(NUMBER + "/statistics.csv", "GET", summary="The same, as CSV (;-separated, UTF-8)", tag=TAG,
       response="text/csv", query=PERIOD)
def special_statistics_csv(number: str):
    return Response(stats.to_csv(_report(_special(number))), mimetype="text/csv")
