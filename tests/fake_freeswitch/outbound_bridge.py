"""The ``bridge`` application of the fake outbound FreeSWITCH: its B-legs
ring in failover groups (compressed time), then the bridge succeeds, or the
failure cause hangs the caller up unless ``continue_on_fail`` /
``failure_causes`` say otherwise (``switch_ivr_originate.c``,
``mod_dptools.c``, ``switch_channel_handle_cause``)."""

from __future__ import annotations

import time
from collections.abc import Mapping

from .dialstrings import dial_target, parse_dial_string
from .outbound_legs import DEFAULT_OUTCOME, Leg
from .outbound_wire import CAUSE_CODES

# switch_channel_handle_cause(): without continue_on_fail / failure_causes
# these never hang the caller up after a failed bridge.
ALWAYS_CONTINUE = frozenset({"NO_ANSWER", "NO_USER_RESPONSE", "ORIGINATOR_CANCEL"})

# switch_ivr_originate(): DIALSTATUS of a failed originate (default: the cause).
_DIALSTATUS = {"ORIGINATOR_CANCEL": "CANCEL", "USER_BUSY": "BUSY", "NO_ANSWER": "NOANSWER",
               "DESTINATION_OUT_OF_ORDER": "INVALIDARGS", "INVALID_PROFILE": "INVALIDARGS",
               "CALL_REJECTED": "DONTCALL"}

DEFAULT_TIMEOUT = 60  # SWITCH_DEFAULT_TIMEOUT: originate's call_timeout when none is set
_TRUE = {"yes", "on", "true", "t", "enabled", "active", "allow"}


def switch_true(value: str | None) -> bool:
    """``switch_true``: yes/on/true/t/enabled/active/allow or a non-zero number."""
    if value is None:
        return False
    value = value.strip().lower()
    if value in _TRUE:
        return True
    try:
        return int(value) != 0
    except ValueError:
        return False


class BridgeMixin:
    """:class:`~fake_freeswitch.outbound.FakeOutboundCall`'s ``bridge``."""

    # -------------------------------------------------------------- bridge
    def _app_bridge(self, data: str) -> None:
        """mod_dptools bridge: switch_ivr_originate() then the bridge, or
        switch_channel_handle_cause() on failure."""
        if not data.strip():
            return
        try:
            groups = parse_dial_string(data)
        except ValueError:
            groups = []
        with self._cond:
            bridge_no = next(self._bridges)
            legs: list[list[Leg]] = []
            for gi, group in enumerate(groups):
                row = []
                for li, (endpoint, leg_vars) in enumerate(group):
                    target = dial_target(endpoint, leg_vars.get("domain_name") or self.domain)
                    outcome = self.outcomes.get(target) or self.outcomes.get(endpoint) or DEFAULT_OUTCOME
                    leg = Leg(endpoint=endpoint, target=target, variables=dict(leg_vars), group=gi, index=li,
                              uuid=f"b1e90000-0000-4000-8000-{next(self._leg_ids):012x}", outcome=outcome,
                              bridge=bridge_no)
                    row.append(leg)
                    self.legs.append(leg)
                legs.append(row)
            timelimit = self._timelimit(groups[0][0][1] if groups and groups[0] else {})
            continue_on_timeout = switch_true(
                (groups[0][0][1] if groups and groups[0] else {}).get("originate_continue_on_timeout")
                or self.variables.get("originate_continue_on_timeout"))
        if not legs:
            self._bridge_failed("DESTINATION_OUT_OF_ORDER")
            return
        cause = "NORMAL_CLEARING"
        for row in legs:
            kind, value, timed_out = self._ring_group(row, timelimit)
            if kind == "answer":
                self._bridge_success(value)  # type: ignore[arg-type]
                return
            if kind == "cancel":
                for name, val in [("originate_disposition", "ORIGINATOR_CANCEL"), ("DIALSTATUS", "CANCEL"),
                                  ("originate_failed_cause", "ORIGINATOR_CANCEL")]:
                    self._set_var(name, val)
                return
            cause = str(value)
            if timed_out and not continue_on_timeout:
                break
        self._bridge_failed(cause)

    def _timelimit(self, leg_vars: Mapping[str, str]) -> int:
        """originate_timeout (dial-string variable), else call_timeout, else 60."""
        for raw in (leg_vars.get("originate_timeout"), self.variables.get("call_timeout")):
            try:
                value = int(raw) if raw else 0
            except ValueError:
                value = 0
            if value > 0:
                return value
        return DEFAULT_TIMEOUT

    def _resolve_plan(self, leg: Leg, t0: float, timelimit: int) -> None:
        """When and how a ringing leg ends (compressed time)."""
        out = leg.outcome
        try:
            leg_timeout = int(leg.variables.get("leg_timeout", "0") or 0)
        except ValueError:
            leg_timeout = 0
        if out.kind == "answer":
            kind, cause = "answer", ""
        elif out.kind == "busy":
            kind, cause = "fail", out.cause or "USER_BUSY"
        elif leg_timeout > 0:
            kind, cause = "fail", out.cause or "ALLOTTED_TIMEOUT"
        else:
            kind, cause = "group_timeout", out.cause or "NO_ANSWER"
        if kind != "group_timeout" and not out.hold:
            if leg_timeout > 0 and out.after >= leg_timeout and out.kind != "no_answer":
                kind, cause = "fail", "ALLOTTED_TIMEOUT"
            elif out.after >= timelimit and out.kind != "no_answer":
                kind, cause = "group_timeout", "NO_ANSWER"
        leg.final_kind, leg.final_cause = kind, cause
        leg.resolve_at = None if out.hold else t0 + (min(out.after, leg_timeout) if leg_timeout > 0 else out.after)

    def _ring_group(self, row: list[Leg], timelimit: int) -> tuple[str, object, bool]:
        """One ``|`` group: ("answer", leg, False) | ("fail", cause, timed_out) | ("cancel", None, False)."""
        t0 = time.monotonic()
        created: list[Leg] = []
        reason = "NORMAL_TEMPORARY_FAILURE"
        for leg in row:
            if leg.endpoint.startswith("user/"):
                user, _, domain = leg.target.partition("@")
                self._set_var("dialed_user", user)
                if domain:
                    self._set_var("dialed_domain", domain)
            with self._cond:
                if leg.endpoint.startswith("error/"):
                    cause = leg.endpoint[len("error/"):].upper()
                    leg.state, leg.cause = "failed", cause if cause in CAUSE_CODES else "NORMAL_CLEARING"
                    reason = leg.cause
                elif leg.outcome.kind == "unregistered" or (
                        leg.endpoint.startswith("user/") and not self._is_registered(leg.target)):
                    leg.state, leg.cause = "failed", "USER_NOT_REGISTERED"
                    reason = leg.cause
                else:
                    self._resolve_plan(leg, t0, timelimit)
                    leg.state, leg.rang = "ringing", True
                    created.append(leg)
                self._cond.notify_all()
        if not created:
            return "fail", reason, False
        if not self.answered and not self.early and not self.ring_ready:
            self._app_ring_ready("")  # the first 180 Ringing reaches the caller
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        for leg in created:
                            if leg.state == "ringing":
                                leg.state, leg.cause = "cancelled", "ORIGINATOR_CANCEL"
                        return "cancel", None, False
                    if self._hangup_req is not None:
                        for leg in created:
                            if leg.state == "ringing":
                                leg.state, leg.cause = "cancelled", "ORIGINATOR_CANCEL"
                        self._cond.notify_all()
                        req = self._hangup_req
                        break
                    req = None
                    for leg in created:
                        if leg.state == "ringing" and leg.uuid in self._leg_kills:
                            leg.state, leg.cause = "failed", self._leg_kills.pop(leg.uuid)
                    now = time.monotonic()
                    pending = [leg for leg in created if leg.state == "ringing"]
                    due = sorted((leg for leg in pending if leg.final_kind != "group_timeout" and (
                        leg.released or (leg.resolve_at is not None and leg.resolve_at <= now))),
                        key=lambda lg: (lg.resolve_at if lg.resolve_at is not None else now, lg.index))
                    if due or not pending:
                        break
                    waiting = [leg for leg in pending if leg.final_kind != "group_timeout"]
                    if not waiting:  # only "rings until call_timeout" legs are left
                        if all(leg.released or leg.resolve_at is not None for leg in pending):
                            at = max(now if leg.released else leg.resolve_at for leg in pending)  # type: ignore[type-var]
                            if at <= now:
                                for leg in pending:
                                    leg.state, leg.cause = "failed", leg.final_cause
                                self._cond.notify_all()
                                return "fail", "NO_ANSWER", True
                            next_at = at
                        else:
                            next_at = None
                    else:
                        times = [leg.resolve_at for leg in waiting if leg.resolve_at is not None]
                        next_at = min(times) if times else None
                    remaining = self._remaining()
                    if remaining <= 0:
                        self._stopping = True
                        continue
                    timeout = remaining if next_at is None else min(remaining, max(0.0, next_at - now))
                    self._cond.wait(timeout)
                if req is None:
                    for leg in due:
                        if leg.final_kind == "answer":
                            leg.state = "answered"
                            for other in created:
                                if other.state == "ringing":
                                    other.state, other.cause = "cancelled", "LOSE_RACE"
                            self._cond.notify_all()
                            return "answer", leg, False
                        leg.state, leg.cause = "failed", leg.final_cause
                    self._cond.notify_all()
                    if not any(leg.state == "ringing" for leg in created):
                        # the cause of the first leg that had a channel
                        return "fail", created[0].cause or reason, False
                    continue
            self._hangup(*req)
            return "cancel", None, False

    def _bridge_success(self, leg: Leg) -> None:
        now_us = int(time.time() * 1_000_000)
        for name, value in [("originate_disposition", "SUCCESS"), ("DIALSTATUS", "SUCCESS"),
                            ("originate_causes", f"{leg.uuid};NONE"), ("signal_bond", leg.uuid)]:
            self._set_var(name, value)
        if not self.answered:
            with self._cond:
                self.answered = True
                self._times["answered"] = now_us
            self._fire("CHANNEL_ANSWER")
            self._set_var("endpoint_disposition", "ANSWER")
        with self._cond:
            self.callstate = "ACTIVE"
            self._other_leg = leg
            self._times["bridged"] = now_us
            self._bridged_target = leg.target
        ids = [("Bridge-A-Unique-ID", self.uuid), ("Bridge-B-Unique-ID", leg.uuid)]
        self._fire("CHANNEL_BRIDGE", prefix=ids)
        # the conversation ends at once: the member hangs up
        with self._cond:
            leg.state, leg.cause = "hungup", "NORMAL_CLEARING"
            self._cond.notify_all()
        for name, value in [("last_bridge_to", leg.uuid), ("bridge_channel", leg.channel_name),
                            ("bridge_uuid", leg.uuid), ("bridge_hangup_cause", "NORMAL_CLEARING"),
                            ("last_bridge_hangup_cause", "NORMAL_CLEARING")]:
            self._set_var(name, value)
        self._fire("CHANNEL_UNBRIDGE", prefix=ids)
        if switch_true(self.variables.get("hangup_after_bridge")):
            self._hangup("NORMAL_CLEARING", "after_bridge")

    def _bridge_failed(self, cause: str) -> None:
        for name, value in [("originate_disposition", cause), ("DIALSTATUS", _DIALSTATUS.get(cause, cause)),
                            ("originate_failed_cause", cause)]:
            self._set_var(name, value)
        if not self._continue_after(cause):
            self._hangup(cause, "bridge")

    def _continue_after(self, cause: str) -> bool:
        """switch_channel_handle_cause(): True when the caller stays up."""
        with self._cond:
            cof = self.variables.get("continue_on_fail")
            fcs = self.variables.get("failure_causes")
        if cause == "ATTENDED_TRANSFER":
            return False
        names = {cause.lower(), str(CAUSE_CODES.get(cause, ""))}
        if cof is not None or fcs is not None:
            if fcs is not None and not names & {c.strip().lower() for c in fcs.split(",")}:
                return True
            if cof is not None:
                if switch_true(cof):
                    return True
                if names & {c.strip().lower() for c in cof.split(",")}:
                    return True
            return False
        return cause in ALWAYS_CONTINUE
