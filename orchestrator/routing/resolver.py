"""The route resolver: "caller X dials Y at time T: what happens?"

Pure Python over a tenant snapshot. It returns a plan a person can read
(which profile and why, who rings in what order and how long, which forwards
are honoured, what comes next) and, when given concrete conditions (who is
registered, who answers, the call's UUID, the keys typed), the outcome the
rendered dialplan must reach: the agreement suite checks both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from orchestrator.domain.devices import device_names
from orchestrator.domain.hunting import MemberSettings, after_ring, before_ring, describe
from orchestrator.domain.numbering import NumberError, national, normalize, origin_class
from orchestrator.domain.profiles import ProfileRow, RuleRow, choose_profile, selection
from orchestrator.domain.weights import buckets, pick

from ..db.models import IvrKey, Line, ReceptionNumber, ReceptionProfile, SpecialNumber, SpecialProfile
from .plan import Conditions, Outcome, Plan, Step, Target, TenantView, WeightedChoice, WeightedDestination

__all__ = ["Conditions", "Outcome", "Plan", "Resolver", "Step", "Target", "TenantView", "WeightedChoice",
           "WeightedDestination", "resolve"]

MAX_DEPTH = 12  # transfers followed; FreeSWITCH itself stops at 70

Overflow = Callable[[], None]  # what a hunt does when nobody answered: the next routing


def member_settings(line: Line) -> MemberSettings:
    """A member's own call handling, as the hunt rule (H-3, H-6) reads it."""
    return MemberSettings(forward_unconditional=bool(line.forward_unconditional),
                          forward_no_answer=bool(line.forward_no_answer), backup_number=bool(line.backup_number),
                          voicemail=line.vm_enabled)


def _ref(ref: int | None) -> int:
    """A reference the validation guarantees is set; a missing one fails as
    looking up None would."""
    if ref is None:
        raise KeyError(ref)
    return ref


class Resolver:
    def __init__(self, tenant_snap: TenantView, region: str = "FR") -> None:
        self.t = tenant_snap
        self.region = region
        self.lines: dict[int, Line] = {line.id: line for line in tenant_snap.lines}
        self.by_number: dict[str, Line] = {line.number: line for line in tenant_snap.lines}
        self.recs: dict[int, ReceptionNumber] = {r.id: r for r in tenant_snap.receptions}

    # -- entry -------------------------------------------------------------
    def resolve(self, dialled: str, caller: str | None, at: datetime, cond: Conditions | None = None) -> Plan:
        tz = self.t.tenant.timezone
        local = at.astimezone(ZoneInfo(tz))
        plan = Plan(dialled=dialled, caller=caller, at=local.strftime("%Y-%m-%d %H:%M"), timezone=tz, kind="unknown")
        self.local, self.caller, self.plan = local, caller or "", plan
        # Without conditions the plan narrates the full sequence: every device
        # registered, nobody answering.
        self.cond = cond or Conditions(registered={self.user(line) for line in self.t.lines})
        self.out = Outcome()
        self.depth = 0
        target = self.find(dialled)
        if target is None:
            plan.add("hangup", "not a number of this company: the call is refused (unallocated number)",
                     condition="unknown number")
            self.finish("hangup:UNALLOCATED_NUMBER")
        elif isinstance(target, Line):
            plan.kind, plan.number, plan.label = "line", target.number, target.label
            self.line(target)
        elif isinstance(target, ReceptionNumber):
            plan.kind, plan.number, plan.label = "reception", target.number, target.label
            self.reception(target, mode="dynamic")
        else:
            plan.kind, plan.number, plan.label = "special", target.number, target.label
            self.special(target)
        plan.outcome = self.out if cond is not None else None
        return plan

    def find(self, dialled: str) -> Line | ReceptionNumber | SpecialNumber | None:
        text = dialled.strip()
        for line in self.t.lines:
            if text in (line.number, national(line.number), line.short_number):
                return line
        for rec in self.t.receptions:
            if text in (rec.number, national(rec.number), rec.short_number):
                return rec
        try:
            e164 = normalize(text, self.region)
        except NumberError:
            return None
        return (self.by_number.get(e164) or next((r for r in self.t.receptions if r.number == e164), None)
                or next((s for s in self.t.specials if s.number == e164), None))

    def finish(self, final: str) -> None:
        if not self.out.final:
            self.out.final = final

    # -- lines (L-8) -----------------------------------------------------------
    def user(self, line: Line) -> str:
        return f"{line.sip_username}@{self.t.domain}"

    def target(self, number: str, kind: str = "") -> Target:
        line = self.by_number.get(number)
        if line is not None:
            return Target(kind=kind or "line", number=line.number, label=line.label)
        rec = next((r for r in self.t.receptions if r.number == number), None)
        if rec is not None:
            return Target(kind="reception", number=rec.number, label=rec.label)
        return Target(kind=kind or "outside", number=number)

    def vm_target(self, line: Line) -> list[Target]:
        return [Target(kind="voicemail", number=line.number, label=line.label)] if line.vm_enabled else []

    def line(self, line: Line) -> None:
        add = self.plan.add
        if line.forward_unconditional:
            add("forward", f"{line.label}: every call is forwarded to {line.forward_unconditional}"
                f" (presenting the {'line' if line.forward_presented == 'line' else 'caller'}'s number)",
                condition="always", targets=[self.target(line.forward_unconditional)])
            return self.outside(line.forward_unconditional)
        add("unregistered", f"{line.label}: if no device is registered: "
            + (f"backup number {line.backup_number}" if line.backup_number else self.vm_words(line)),
            condition="no device registered",
            targets=[self.target(line.backup_number)] if line.backup_number else self.vm_target(line),
            next="backup" if line.backup_number else ("voicemail" if line.vm_enabled else "hangup"))
        if self.user(line) not in self.cond.registered:
            if line.backup_number:
                return self.outside(line.backup_number)
            return self.voicemail(line, None)
        devices = device_names(line.twin, line.mobile_app)
        add("ring", f"ring every registered device of {line.label} ({line.number}) for {line.ring_time} s"
            f" ({len(devices)} allowed: {', '.join(devices)}); the first to answer takes the call, the others stop",
            targets=[self.target(line.number)], ring_time_s=line.ring_time)
        result = self.ring((self.user(line),))
        if result == "answer":
            return
        return self.after_ring(line, result)

    def after_ring(self, line: Line, disposition: str) -> None:
        if line.forward_no_answer:
            self.plan.add("forward", f"no answer: forwarded to {line.forward_no_answer}",
                          condition="no answer or busy", targets=[self.target(line.forward_no_answer)])
            return self.outside(line.forward_no_answer)
        self.plan.add("voicemail" if line.vm_enabled else "hangup", f"no answer: {self.vm_words(line)}",
                      condition="no answer or busy", targets=self.vm_target(line))
        return self.voicemail(line, disposition)

    def vm_words(self, line: Line) -> str:
        if not line.vm_enabled:
            return "no voicemail: the call ends (busy or unavailable)"
        return "voicemail (" + ("records a message" if line.vm_mode == "record" else "greeting only") + ")"

    def voicemail(self, line: Line, disposition: str | None) -> None:
        if not line.vm_enabled:
            return self.finish("hangup:USER_BUSY" if disposition == "USER_BUSY" else "hangup:NO_ANSWER")
        self.finish(f"voicemail:{line.sip_username}" if line.vm_mode == "record" else f"announce:{line.sip_username}")

    def ring(self, targets: tuple[str, ...]) -> str:
        """One group of legs rung together; the first that answers wins."""
        self.out.attempts.append(targets)
        results = []
        for target in targets:
            if "@" in target and target not in self.cond.registered:
                results.append("USER_NOT_REGISTERED")
                continue
            answer = self.cond.answers.get(target, "no_answer")
            if answer == "answer":
                self.finish(f"bridge:{target}")
                return "answer"
            results.append("USER_BUSY" if answer == "busy" else "NO_ANSWER")
        if results and all(r == "USER_NOT_REGISTERED" for r in results):
            return "USER_NOT_REGISTERED"
        if results and all(r == "USER_BUSY" for r in results):
            return "USER_BUSY"
        return "NO_ANSWER"

    def outside(self, number: str) -> None:
        """A forward, backup or destination number: our own lines stay
        internal; anything else goes to the carrier."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            return self.finish("hangup:EXCHANGE_ROUTING_ERROR")
        line = self.by_number.get(number)
        if line is not None:
            return self.line(line)
        result = self.ring((f"gateway:{number}",))
        if result != "answer":
            self.finish(f"hangup:{result}")

    # -- profiles (T-1, T-2, S-3) --------------------------------------------
    def select(self, profiles: Sequence[ProfileRow], rules: Sequence[RuleRow], with_origin: bool) -> int:
        origin = origin_class(self._e164(self.caller)) if with_origin else None
        choice = choose_profile(selection(profiles, rules), self.local, origin)
        if choice.profile is None:
            raise LookupError("a profiled number without a default profile")
        name = profiles[choice.profile].name
        if choice.why == "forced":
            self._chosen(name, "forced")
            self.plan.add("profile", f"profile \"{name}\" is forced: no rule is evaluated", condition="forced")
        elif choice.rule is not None:
            rule = choice.rule
            why = (f"rule {rule.number} matched ({rule.days_text}, {rule.hours_text}"
                   + (f", callers {'/'.join(rule.origins)}" if rule.origins else "") + ")")
            self._chosen(name, why)
            self.plan.add("profile", f"profile \"{name}\": {why}", condition=why)
        else:
            self._chosen(name, "no rule matched: default profile")
            self.plan.add("profile", f"profile \"{name}\": no rule matched, default profile",
                          condition="no rule matched: default profile")
        return choice.profile

    def _chosen(self, name: str, reason: str) -> None:
        """The plan's profile is the dialled number's: a reception number
        reached from it (a routing, a menu key) only adds steps."""
        if self.plan.profile is None:
            self.plan.profile = {"name": name, "reason": reason}

    def _e164(self, raw: str) -> str:
        try:
            return normalize(raw, self.region, lenient=True)
        except NumberError:
            return raw

    # -- reception numbers (R, H, I) -------------------------------------------
    def reception(self, rec: ReceptionNumber, mode: str = "dynamic", profile_id: int | None = None,
                  overflow: Overflow | None = None) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            return self.finish("hangup:EXCHANGE_ROUTING_ERROR")
        if mode == "dynamic":
            p = self.select(rec.profiles, rec.rules, with_origin=False)
        elif mode == "default":
            p = next(i for i, pr in enumerate(rec.profiles) if pr.is_default)
            self.plan.add("profile", f"{rec.label}: its default profile \"{rec.profiles[p].name}\"",
                          condition="default profile")
        else:
            p = next(i for i, pr in enumerate(rec.profiles) if pr.id == profile_id)
            self.plan.add("profile", f"{rec.label}: profile \"{rec.profiles[p].name}\" (chosen by the menu)",
                          condition="chosen by the menu")
        if self.out.profile is None:
            self.out.profile = p
        prof = rec.profiles[p]
        if prof.pre_answer_audio_id:
            self.plan.add("greeting", "the caller hears the pre-answer greeting")
        if prof.kind == "ivr":
            return self.ivr(rec, prof, overflow)
        return self.hunt(rec, prof, overflow)

    def hunt(self, rec: ReceptionNumber, prof: ReceptionProfile, overflow: Overflow | None) -> None:
        members = [self.lines[m.line_id] for m in prof.members if m.line_id in self.lines]
        music = prof.hold_music_catalogue or ("a file of the library" if prof.hold_music_audio_id else None)
        self.plan.add(
            "hunt", f"hunt group, {prof.strategy}, {prof.cycles} cycle(s)"
            + (f", {prof.ring_time} s per member" if prof.strategy != "simultaneous"
               else ", each line its own ring time")
            + (f", hold music {music} while ringing" if music else ", ringback tone")
            + ("; members' forwards and voicemail are honoured (the hunt stops where they take the call)"
               if prof.forwards_allowed else "; members' forwards and voicemail are ignored"),
            strategy=prof.strategy, cycles=prof.cycles, targets=[self.target(m.number) for m in members],
            ring_time_s=prof.ring_time if prof.strategy != "simultaneous" else None)
        names = ", ".join(f"{m.label} ({m.number})" for m in members) or "no member"
        self.plan.add("members", f"members in order: {names}; " + self.member_rule(prof, members),
                      targets=[self.target(m.number) for m in members], condition=(
                          "busy, or not registered without a backup number: skipped" if prof.forwards_allowed
                          else "busy or not registered: skipped"))
        if prof.forwards_allowed and prof.strategy != "simultaneous":
            for m in members:
                self.member_forwards(m)
        if prof.strategy == "successive":
            self.plan.add("hunt_service", "successive: the hunt-group service starts after the member the previous "
                          "call rang last; if it cannot be reached, sequential from the first member",
                          targets=[Target(kind="hunt_service")])
            if self.cond.hunt_service_up:
                return self.finish("socket")
        if prof.strategy == "simultaneous" and members:
            if prof.forwards_allowed:
                follow = next((m for m in members if before_ring(True, member_settings(m))), None)
                if follow is not None:
                    self.plan.add("forward", f"{follow.label} forwards every call: the call follows that forward",
                                  targets=[self.target(follow.number)], condition="always")
                    return self.line(follow)
            for _ in range(prof.cycles):
                if self.ring(tuple(self.user(m) for m in members)) == "answer":
                    return
            return self.hunt_end(rec, prof, overflow)
        for _ in range(prof.cycles):
            for m in members:
                settings = member_settings(m)
                if before_ring(prof.forwards_allowed, settings):
                    self.plan.add("forward", f"{m.label} forwards every call: the hunt stops there",
                                  targets=[self.target(m.number)], condition="always")
                    return self.line(m)
                result = self.ring((self.user(m),))
                if result == "answer":
                    return
                step = after_ring(prof.forwards_allowed, settings, result)
                if step == "unregistered" and m.backup_number:
                    self.plan.add("forward", f"{m.label} is not registered: its backup number {m.backup_number} "
                                  "takes the call, the hunt stops there", condition=f"{m.label} not registered",
                                  targets=[self.target(m.backup_number)])
                    return self.outside(m.backup_number)
                if step == "after_ring":
                    return self.after_ring(m, result)
        return self.hunt_end(rec, prof, overflow)

    @staticmethod
    def member_rule(prof: ReceptionProfile, members: Sequence[Line]) -> str:
        """H-3 and H-6 in the spec's words (:func:`orchestrator.domain.hunting.describe`);
        a simultaneous ring honours only unconditional forwards."""
        if prof.forwards_allowed and prof.strategy == "simultaneous":
            return ("forwards allowed: a member's unconditional forward takes the call at once; otherwise every "
                    "member rings together, and a member that is busy or not registered is skipped (its backup "
                    "number, no-answer forward and voicemail do not take the call)")
        return describe(prof.forwards_allowed)

    def member_forwards(self, m: Line) -> None:
        """With forwards allowed, what each member's own settings do in the hunt (H-3, H-6)."""
        who = f"{m.label} ({m.number})"
        if m.forward_unconditional:
            self.plan.add("forward", f"{who} forwards every call to {m.forward_unconditional}: when its turn "
                          "comes the call follows that forward and the hunt stops", condition=f"{m.label}: always",
                          targets=[self.target(m.forward_unconditional)], next="the hunt stops")
            return
        if m.backup_number:
            self.plan.add("unregistered", f"{who} not registered: its backup number {m.backup_number} takes the "
                          "call and the hunt stops", condition=f"{m.label} not registered",
                          targets=[self.target(m.backup_number)], next="the hunt stops")
        else:
            self.plan.add("unregistered", f"{who} not registered: skipped without waiting its ring time"
                          + (" (its voicemail does not take the call)" if m.vm_enabled else ""),
                          condition=f"{m.label} not registered", next="the next member")
        if m.forward_no_answer or m.vm_enabled:
            then = (f"its no-answer forward to {m.forward_no_answer}" if m.forward_no_answer
                    else self.vm_words(m).replace("voicemail (", "its voicemail (", 1))
            self.plan.add("forward" if m.forward_no_answer else "voicemail",
                          f"{who} does not answer within the ring time: {then} takes the call and the hunt stops",
                          condition=f"{m.label} does not answer", next="the hunt stops",
                          targets=[self.target(m.forward_no_answer)] if m.forward_no_answer else self.vm_target(m))
        else:
            self.plan.add("ring", f"{who} does not answer within the ring time: the next member",
                          condition=f"{m.label} does not answer", next="the next member")

    def hunt_end(self, rec: ReceptionNumber, prof: ReceptionProfile, overflow: Overflow | None) -> None:
        vm = self.lines.get(prof.voicemail_line_id or 0)
        if vm is not None:
            self.plan.add("voicemail", f"nobody answered: voicemail of {vm.label} ({vm.number})",
                          condition="nobody answered", targets=self.vm_target(vm) or [self.target(vm.number)])
            return self.voicemail(vm, None)
        if overflow is not None:
            self.plan.add("overflow", "nobody answered: overflow to the next routing", condition="nobody answered",
                          next="next routing")
            return overflow()
        self.plan.add("hangup", "nobody answered and no voicemail is chosen: the call ends",
                      condition="nobody answered")
        return self.finish("hangup:NO_ANSWER")

    def ivr(self, rec: ReceptionNumber, prof: ReceptionProfile, overflow: Overflow | None) -> None:
        keys = {k.digit: k for k in prof.keys}
        listing = "; ".join(f"{d} → {self.key_words(k)}" for d, k in sorted(keys.items()) if d != "fallback")
        fallback = keys.get("fallback")
        self.plan.add("menu", f"menu: {listing or 'no key'}",
                      keys=[{"key": d, "then": self.key_words(k)} for d, k in sorted(keys.items()) if d != "fallback"])
        self.plan.add("menu_fallback", "invalid or no key: the menu is replayed up to 3 times, then "
                      + (self.key_words(fallback) if fallback else "the call ends politely"),
                      condition="invalid or no key, 3 times",
                      next=self.key_words(fallback) if fallback else "hangup")
        chosen = None
        for _ in range(3):
            digit = self.cond.digits.pop(0) if self.cond.digits else ""
            if digit and digit in keys and digit != "fallback":
                chosen = keys[digit]
                break
        if chosen is None:
            chosen = fallback
        if chosen is None or chosen.action == "hangup":
            return self.finish("hangup:NORMAL_CLEARING")
        if chosen.action == "line":
            return self.line(self.lines[_ref(chosen.line_id)])
        if chosen.action == "voicemail":
            return self.voicemail(self.lines[_ref(chosen.line_id)], None)
        target = self.recs[_ref(chosen.target_reception_id)]
        return self.reception(target, mode=chosen.target_mode or "dynamic", profile_id=chosen.target_profile_id,
                              overflow=overflow)

    def key_words(self, key: IvrKey) -> str:
        if key.action == "hangup":
            return "hang up"
        if key.action in ("line", "voicemail"):
            line = self.lines[_ref(key.line_id)]
            return f"{'line' if key.action == 'line' else 'voicemail of'} {line.label}"
        target = self.recs[_ref(key.target_reception_id)]
        mode = {"dynamic": "its rules", "default": "its default profile"}.get(key.target_mode or "dynamic")
        if key.target_mode == "profile":
            mode = "profile " + next(p.name for p in target.profiles if p.id == key.target_profile_id)
        return f"{target.label} ({mode})"

    # -- special numbers (S) -----------------------------------------------------
    def special(self, sp: SpecialNumber) -> None:
        origin = origin_class(self._e164(self.caller)) if self.caller else "other"
        self.plan.add("origin", f"caller origin: {origin}", condition=origin)
        p = self.select(sp.profiles, sp.rules, with_origin=True)
        self.out.profile = p
        prof = sp.profiles[p]
        if not self.plan.routings:
            self.plan.routings = [self.routing_plan(sp, prof, k) for k in range(len(prof.routings))]
        self.routings(sp, prof, 0)

    def routing_plan(self, sp: SpecialNumber, prof: SpecialProfile, k: int) -> dict[str, Any]:
        """Routing ``k`` as data: each destination, its odds and bucket of
        draws, and what it does (its own plan, every device registered and
        nobody answering)."""
        dests = prof.routings[k].destinations
        out = []
        for d, (lo, hi) in zip(dests, buckets([x.percent for x in dests]), strict=False):
            number = d.number or self.recs[_ref(d.reception_id)].number
            if d.reception_id or number in self.by_number:
                sub = Resolver(self.t, self.region).resolve(number, self.caller, self.local)
                then = sub.details
            else:
                then = [Step(action="ring", text=f"the carrier rings {number} for 30 s",
                             targets=[Target(kind="outside", number=number)], ring_time_s=30)]
            out.append({**self.target(number), "percent": d.percent, "probability": round((hi - lo + 1) / 4096, 4),
                        "draws": [lo, hi], "then": then})
        more = k + 1 < len(prof.routings)
        return {"routing": k + 1, "destinations": out,
                "on_failure": f"routing {k + 2}" if more else "the call ends (NO_ANSWER)"}

    def routings(self, sp: SpecialNumber, prof: SpecialProfile, k: int) -> None:
        if k >= len(prof.routings):
            self.plan.add("hangup", "every routing failed: the call ends", condition="every routing failed")
            return self.finish("hangup:NO_ANSWER")
        routing = prof.routings[k]
        dests = routing.destinations
        percents = [d.percent for d in dests]
        names = [d.number or self.recs[_ref(d.reception_id)].number for d in dests]
        spans = buckets(percents)
        self.plan.choices.append({"routing": k + 1, "destinations": [
            {"to": n, "percent": pc, "probability": round((hi - lo + 1) / 4096, 4)}
            for n, pc, (lo, hi) in zip(names, percents, spans, strict=False)]})
        shares = ", ".join(f"{n} ({pc} %)" for n, pc in zip(names, percents, strict=False))
        self.plan.add("routing", f"routing {k + 1}: one of " + shares
                      + "; if it fails (busy, no answer, unreachable), routing "
                      + (str(k + 2) if k + 1 < len(prof.routings) else "none: the call ends"),
                      routing=k + 1, condition="drawn by weight",
                      targets=[Target(**self.target(n), percent=pc, probability=round((hi - lo + 1) / 4096, 4))
                               for n, pc, (lo, hi) in zip(names, percents, spans, strict=False)],
                      next=f"routing {k + 2}" if k + 1 < len(prof.routings) else "hangup")
        d = dests[pick(self.cond.uuid, k, percents)]

        def nxt() -> None:
            return self.routings(sp, prof, k + 1)

        if d.reception_id:
            return self.reception(self.recs[d.reception_id], overflow=nxt)
        target = f"loopback:{d.number}"
        self.out.attempts.append((target,))
        if d.number is not None and d.number in self.by_number:
            sub = Resolver(self.t, self.region)
            sub.resolve(d.number, self.caller, self.local, Conditions(
                registered=self.cond.registered, answers=self.cond.answers, uuid=self.cond.uuid,
                hunt_service_up=self.cond.hunt_service_up))
            answered = not sub.out.final.startswith("hangup:")  # its plan's outcome
            self.out.inner, self.out.inner_attempts = sub.out.final, sub.out.attempts
        else:
            answered = self.cond.answers.get(f"gateway:{d.number}", "no_answer") == "answer"
        if answered:
            return self.finish(f"bridge:{target}")
        return nxt()


def resolve(tenant_snap: TenantView, dialled: str, caller: str | None, at: datetime, cond: Conditions | None = None,
            region: str = "FR") -> Plan:
    return Resolver(tenant_snap, region).resolve(dialled, caller, at, cond)
