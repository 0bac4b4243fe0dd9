"""What a sequential or successive hunt does with each member (H-3, H-6).

One rule, read by the three places that run a hunt: the native dialplan
(:mod:`orchestrator.render.routes`), the hunt-group service
(:mod:`orchestrator.live.hunt`) and the route simulator
(:mod:`orchestrator.routing.resolver`), so that they cannot drift apart.

H-3 "forwards allowed": as soon as a member's forward or voicemail takes the
call, the hunt stops and the call follows it. H-6: a member that is busy or
not registered is skipped without waiting its ring time. The manual
(§3.7.3, « Renvois autorisés ») names the forwards a group honours: « renvoi
inconditionnel ou sur non réponse », to another number or to the voicemail;
and the backup number (« numéro de secours », §3.3.3) is where a line's calls
« seront renvoyés » when its phone is not connected. So, with forwards
allowed:

* an unconditional forward takes the call before the member rings;
* a member not registered: its backup number takes the call; without one
  the member is skipped (its voicemail does NOT take the call: one unplugged
  phone must not send every caller of the group to one person's voicemail);
* a member busy: skipped (H-6; busy is not « non réponse »);
* a member that rang its ring time without answering: its no-answer forward,
  else its voicemail, takes the call; with neither it is skipped.

Without forwards allowed, members' forwards and voicemail are ignored: a
member that does not answer, is busy or is not registered is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The step of the member's own incoming-call order (L-8, the dialplan's
# ``centrex-line`` context) that takes the call:
Follow = Literal["in", "unregistered", "after_ring"]

NOT_REGISTERED = "USER_NOT_REGISTERED"
BUSY = "USER_BUSY"
# How FreeSWITCH ends a leg that rang its time without an answer.
NO_ANSWER = ("NO_ANSWER", "ALLOTTED_TIMEOUT", "NO_USER_RESPONSE")


@dataclass(frozen=True)
class MemberSettings:
    """The member's own call handling (its line's settings) that matter in a hunt."""

    forward_unconditional: bool = False
    forward_no_answer: bool = False
    backup_number: bool = False
    voicemail: bool = False


def before_ring(forwards_allowed: bool, member: MemberSettings) -> Follow | None:
    """``"in"`` when the member's unconditional forward takes the call
    without the member ringing; None: ring the member."""
    return "in" if forwards_allowed and member.forward_unconditional else None


def after_ring(forwards_allowed: bool, member: MemberSettings, disposition: str) -> Follow | None:
    """The member was rung and did not answer (``disposition``: FreeSWITCH's
    ``originate_disposition``): the step of its own order that takes the
    call, or None when the hunt goes on with the next member."""
    if not forwards_allowed:
        return None
    if disposition == NOT_REGISTERED:
        return "unregistered" if member.backup_number else None
    if disposition in NO_ANSWER:
        return "after_ring" if member.forward_no_answer or member.voicemail else None
    return None  # busy (H-6), or a failure: skipped


def follows(forwards_allowed: bool, member: MemberSettings) -> dict[Follow, tuple[str, ...]]:
    """:func:`after_ring` as a table for a dialplan: each step that can take
    the call, with the dispositions that send the call there (empty: the
    member is only ever skipped)."""
    table: dict[Follow, tuple[str, ...]] = {}
    for disposition in (NOT_REGISTERED, BUSY, *NO_ANSWER):
        step = after_ring(forwards_allowed, member, disposition)
        if step is not None:
            table[step] = (*table.get(step, ()), disposition)
    return table


def describe(forwards_allowed: bool) -> str:
    """The rule in the spec's words, for the simulator's explanation."""
    if not forwards_allowed:
        return ("members' forwards and voicemail are ignored; a member that is busy or not registered is skipped "
                "without waiting its ring time, one that does not answer after its ring time too")
    return ("forwards allowed: as soon as a member's forward or voicemail takes the call, the hunt stops and the "
            "call follows it: an unconditional forward before the member rings; a member not registered: its "
            "backup number; a member that does not answer within its ring time: its no-answer forward, else its "
            "voicemail. A member that is busy, or not registered without a backup number, is skipped without "
            "waiting its ring time (its voicemail does not take the call)")
