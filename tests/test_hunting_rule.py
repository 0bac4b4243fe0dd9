"""The shared hunt rule (``orchestrator/domain/hunting.py``, H-3 and H-6):
what a member's own settings do in a sequential or successive hunt."""

from __future__ import annotations

import pytest

from orchestrator.domain.hunting import MemberSettings, after_ring, before_ring, follows

EVERYTHING = MemberSettings(forward_unconditional=False, forward_no_answer=True, backup_number=True, voicemail=True)
VOICEMAIL = MemberSettings(voicemail=True)
NOTHING = MemberSettings()


@pytest.mark.parametrize("member,disposition,step", [
    (NOTHING, "USER_NOT_REGISTERED", None),  # skipped: the bug of issue 16 ended the hunt here
    (VOICEMAIL, "USER_NOT_REGISTERED", None),  # its voicemail does not take the call
    (EVERYTHING, "USER_NOT_REGISTERED", "unregistered"),  # its backup number does
    (EVERYTHING, "USER_BUSY", None),  # H-6: busy is skipped
    (VOICEMAIL, "NO_ANSWER", "after_ring"),
    (MemberSettings(forward_no_answer=True), "ALLOTTED_TIMEOUT", "after_ring"),
    (NOTHING, "NO_ANSWER", None),
    (EVERYTHING, "CALL_REJECTED", None),
])
def test_forwards_allowed(member, disposition, step):
    assert after_ring(True, member, disposition) == step


def test_forwards_not_allowed_ignore_everything():
    member = MemberSettings(forward_unconditional=True, forward_no_answer=True, backup_number=True, voicemail=True)
    assert before_ring(False, member) is None
    assert follows(False, member) == {}
    assert before_ring(True, member) == "in"


def test_the_table_a_dialplan_is_built_from():
    assert follows(True, EVERYTHING) == {"unregistered": ("USER_NOT_REGISTERED",),
                                         "after_ring": ("NO_ANSWER", "ALLOTTED_TIMEOUT", "NO_USER_RESPONSE")}
    assert follows(True, VOICEMAIL) == {"after_ring": ("NO_ANSWER", "ALLOTTED_TIMEOUT", "NO_USER_RESPONSE")}
    assert follows(True, NOTHING) == {}
