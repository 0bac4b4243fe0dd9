"""/api/v1/reception-numbers (R-1, H-*, T-2): read, force a profile, edit a
hunt group and its members."""

from __future__ import annotations

from flask import abort, jsonify
from sqlalchemy import select

from orchestrator.db.models import ReceptionNumber, ReceptionProfile
from orchestrator.domain.numbering import NumberError, normalize
from orchestrator.services.reception import hunt
from orchestrator.services.reception import lookup as reception_lookup
from orchestrator.services.reception.active import profile_state
from orchestrator.services.reception.schema import HuntGroupDoc
from orchestrator.services.reception.service import force_profile, to_doc

from .base import body, ctx, principal, route, text_field
from .schemas import ForceIn, MemberIn, ProfileStateOut, ReceptionOut

PROFILE_RULE = "/reception-numbers/<number>/profiles/<int:profile_id>"


def _rec(number: str) -> ReceptionNumber:
    return reception_lookup.reception_by_number(ctx().session, principal().tenant_id, number,
                                                ctx().settings.default_region)


def _profile(number: str, profile_id: int) -> ReceptionProfile:
    return reception_lookup.profile_of(_rec(number), profile_id)


def rec_out(rec: ReceptionNumber) -> dict:
    tz = ctx().tenant(rec.tenant_id).timezone
    st = profile_state(rec, tz)
    now = ProfileStateOut(active=st.effective.name if st.effective else None,
                          scheduled=st.scheduled.name if st.scheduled else None,
                          forced=st.forced.name if st.forced else None, rule=st.rule,
                          local_time=st.local_time.isoformat(timespec="minutes"))
    return ReceptionOut(id=rec.id, profile_ids={p.name: p.id for p in rec.profiles}, now=now,
                        **to_doc(ctx(), rec).model_dump()).model_dump(mode="json")


@route("/reception-numbers", "GET", summary="The company's reception numbers", tag="reception",
       response=ReceptionOut, list_response=True)
def list_receptions():
    rows = ctx().session.scalars(select(ReceptionNumber).where(ReceptionNumber.tenant_id == principal().tenant_id)
                                 .order_by(ReceptionNumber.number))
    return jsonify([rec_out(r) for r in rows])


@route("/reception-numbers/<number>", "GET", summary="One reception number, with the profile active now",
       tag="reception", response=ReceptionOut)
def get_reception(number: str):
    return jsonify(rec_out(_rec(number)))


@route("/reception-numbers/<number>/force", "POST", summary="Force a profile, or stop forcing (T-2)",
       tag="reception", request=ForceIn, response=ReceptionOut)
def force(number: str):
    rec = _rec(number)
    data = ForceIn.model_validate(body()) if body() else ForceIn()
    force_profile(ctx(), rec, data.profile)
    return jsonify(rec_out(rec))


@route(PROFILE_RULE + "/hunt-group", "GET", summary="A hunt-group profile", tag="reception",
       response=HuntGroupDoc)
def get_hunt(number: str, profile_id: int):
    return jsonify(hunt.hunt_doc(ctx(), _profile(number, profile_id)).model_dump(mode="json"))


@route(PROFILE_RULE + "/hunt-group", "PATCH", summary="Change a hunt group (H-1..H-6)", tag="reception",
       request="HuntGroupPatch", response=HuntGroupDoc)
def patch_hunt(number: str, profile_id: int):
    """Any subset of the hunt group; ``members`` is the whole ordered list
    (this is how members are reordered)."""
    prof = _profile(number, profile_id)
    hunt.update_hunt(ctx(), prof, body())
    return jsonify(hunt.hunt_doc(ctx(), prof).model_dump(mode="json"))


@route(PROFILE_RULE + "/members", "POST", summary="Add a member at the end of the ringing order",
       tag="reception", request=MemberIn, response=HuntGroupDoc)
def add_member(number: str, profile_id: int):
    prof = _profile(number, profile_id)
    data = body()
    hunt.add_member(ctx(), prof, text_field(data, "line"))
    return jsonify(hunt.hunt_doc(ctx(), prof).model_dump(mode="json"))


@route(PROFILE_RULE + "/members/<line>", "DELETE", summary="Remove a member", tag="reception",
       response=HuntGroupDoc)
def remove_member(number: str, profile_id: int, line: str):
    prof = _profile(number, profile_id)
    try:
        e164 = normalize(line, ctx().settings.default_region)
    except NumberError:
        abort(404)
    hunt.remove_member(ctx(), prof, e164)
    return jsonify(hunt.hunt_doc(ctx(), prof).model_dump(mode="json"))
