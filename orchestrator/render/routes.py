"""Reception and special numbers as native dialplan (R/H/I/T/S-*).

Action data is built here, so every user-typed value placed in it goes
through :func:`fs_value` here (labels); numbers are validated E.164 and
paths come from the platform configuration. Python builds the extensions of each tenant's ``<domain>~route`` context as
plain data; one generic template lays them out (escaping included). The
context is only reachable by transfers, never dialled.

Destinations inside the context (``~`` keeps them apart from numbers):
``R~N`` entry (timezone, forced profile), ``T~N`` time/origin rules,
``P~N~p`` profile p, ``H~N~p~c~i`` member i of cycle c, ``X~N~p`` end of
the hunt, ``K~N~p~d`` IVR key d (empty d: no valid key), ``S~N~p~k``
routing k of a special number's profile p.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from orchestrator.domain.profiles import ProfileRow, RuleRow, selection
from orchestrator.domain.topology import Platform
from orchestrator.domain.weights import buckets, uuid_regex
from orchestrator.render.fstime import fs_conditions

from ..db.models import (
    IvrKey,
    Line,
    ReceptionNumber,
    ReceptionProfile,
    RoutingDestination,
    SpecialNumber,
    SpecialProfile,
)
from .jinja import fs_value
from .snapshot import Snapshot, TenantSnap
from .views import LineView, audio_path, hold_music_url, line_view

ORIGIN_PATTERNS = {
    "01": r"(?:\+33|0033|33|0)1\d{8}", "02": r"(?:\+33|0033|33|0)2\d{8}", "03": r"(?:\+33|0033|33|0)3\d{8}",
    "04": r"(?:\+33|0033|33|0)4\d{8}", "05": r"(?:\+33|0033|33|0)5\d{8}", "mobile": r"(?:\+33|0033|33|0)[67]\d{8}",
}
RING = "%(1500,3500,440)"


def _ref(ref: int | None) -> int:
    """A reference the validation guarantees is set; a missing one fails as
    looking up None would."""
    if ref is None:
        raise KeyError(ref)
    return ref


@dataclass
class Cond:
    field: str | None = None
    expression: str | None = None
    actions: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    anti: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    attrs: dict[str, str] = dataclasses.field(default_factory=dict)
    brk: str | None = None


@dataclass
class Ext:
    name: str
    conditions: list[Cond]


def origin_regex(origins: list[str]) -> str | None:
    """Caller-origin classes (S-3) as one expression on caller_id_number."""
    if not origins or set(origins) == {"01", "02", "03", "04", "05", "mobile", "other"}:
        return None
    parts = [ORIGIN_PATTERNS[o] for o in origins if o != "other"]
    if "other" in origins:
        known = "|".join(ORIGIN_PATTERNS.values())
        parts.append(rf"(?!(?:{known})$).*")
    return "^(?:" + "|".join(parts) + ")$"


class RouteBuilder:
    def __init__(self, t: TenantSnap, snapshot: Snapshot, platform: Platform) -> None:
        self.t = t
        self.platform = platform
        self.ctx = f"{t.domain}~route"
        self.lines: dict[int, Line] = {line.id: line for line in t.lines}
        self.views: dict[int, LineView] = {line.id: line_view(line, t, snapshot, platform) for line in t.lines}
        self.receptions: dict[int, ReceptionNumber] = {r.id: r for r in t.receptions}
        self.exts: list[Ext] = []

    # -- helpers ------------------------------------------------------------
    def go(self, dest: str) -> tuple[str, str]:
        return ("transfer", f"{dest} XML {self.ctx}")

    def ext(self, name: str, dest: str, *more: Cond, actions: list[tuple[str, str]] | None = None) -> None:
        first = Cond("destination_number", f"^{re.escape(dest)}$", actions=actions or [])
        self.exts.append(Ext(name, [first, *more]))

    def line_vars(self, line_id: int) -> list[tuple[str, str]]:
        """The member's own settings, as its line entry sets them, so that the
        L-8 steps of centrex-line work for it."""
        v = self.views[line_id]
        return [("set", f"centrex_line={v.number}"), ("set", f"centrex_user={v.user}"),
                ("set", f"centrex_domain={self.t.domain}"), ("set", f"centrex_label={fs_value(v.label)}"),
                ("set", f"centrex_ring_time={v.ring_time}"), ("set", f"centrex_fwd_all={v.fwd_all}"),
                ("set", f"centrex_fwd_na={v.fwd_na}"), ("set", f"centrex_fwd_presented={v.fwd_presented}"),
                ("set", f"centrex_backup={v.backup}"), ("set", f"centrex_vm={v.vm_mode}"),
                ("set", f"centrex_vm_greeting={v.vm_greeting}"),
                ("set", f"centrex_line_hold_music={v.hold_music}")]

    @staticmethod
    def profile_tag(name: str) -> tuple[str, str]:
        """C-3/S-4: the profile that routes the call, for its call record."""
        return ("export", f"centrex_profile={fs_value(name)}")

    def user(self, line_id: int) -> str:
        return f"user/{self.views[line_id].user}@{self.t.domain}"

    # -- selection: forced profile, rules, default -------------------------
    def selection(self, number: str, profiles: Sequence[ProfileRow], rules: Sequence[RuleRow]) -> None:
        sel = selection(profiles, rules)
        # C-3/S-4: the call log reads the tenant and the number from here,
        # whatever path (native, hunt-group service, loopback) the call takes
        actions = [("set", f"timezone={self.t.tenant.timezone}"), ("set", f"centrex_route={number}"),
                   ("export", f"centrex_tenant={self.t.domain}"), ("export", f"centrex_number={number}")]
        if sel.forced is not None:
            self.ext(f"{number} entry (profile forced)", f"R~{number}",
                     actions=actions + [self.go(f"P~{number}~{sel.forced}")])
            return
        self.ext(f"{number} entry", f"R~{number}", actions=actions + [self.go(f"T~{number}")])
        for rule in sel.rules:
            origin = origin_regex(list(rule.origins))
            target = self.go(f"P~{number}~{rule.profile}")
            for j, fs in enumerate(fs_conditions(rule.days, rule.hours)):
                conds = [Cond(attrs=fs.attributes())] if fs.attributes() else []
                if origin:
                    conds.append(Cond("caller_id_number", origin))
                if conds:
                    conds[-1].actions.append(target)
                    self.ext(f"{number} rule {rule.number}.{j + 1}", f"T~{number}", *conds)
                else:
                    self.ext(f"{number} rule {rule.number}", f"T~{number}", actions=[target])
        self.ext(f"{number} default profile", f"T~{number}", actions=[self.go(f"P~{number}~{sel.default}")])

    # -- reception numbers ---------------------------------------------------
    def reception(self, rec: ReceptionNumber) -> None:
        n = rec.number
        self.selection(n, rec.profiles, rec.rules)
        for p, prof in enumerate(rec.profiles):
            greeting = audio_path(self.platform, self.t.audio.get(prof.pre_answer_audio_id or 0))
            start = [("pre_answer", ""), ("playback", greeting)] if greeting else []
            if prof.kind == "ivr":
                self.ivr(n, p, prof, start)
            else:
                self.hunt(n, p, prof, start)

    def hunt(self, n: str, p: int, prof: ReceptionProfile, start: list[tuple[str, str]]) -> None:
        music = hold_music_url(prof.hold_music_catalogue, self.t.audio.get(prof.hold_music_audio_id or 0))
        ring = music if (prof.hold_music_catalogue or prof.hold_music_audio_id) else RING
        members = [m.line_id for m in prof.members if m.line_id in self.views]
        setup = start + [self.profile_tag(prof.name), ("set", f"ringback={ring}"), ("set", f"transfer_ringback={ring}"),
                         ("set", "hangup_after_bridge=true"), ("set", "continue_on_fail=true"),
                         ("set", f"centrex_hunt=P~{n}~{p}")]
        first = f"H~{n}~{p}~0~0" if members else f"X~{n}~{p}"
        if prof.strategy == "successive":
            # The hunt-group service keeps the order (H-1); when it cannot be
            # reached, natively: sequential from the first member.
            self.ext(f"{n} profile {prof.name} (hunt-group service)", f"P~{n}~{p}", actions=setup + [
                ("set", f"centrex_hunt_fallback={first}"), ("set", "centrex_hunt_handled="),
                ("socket", f"{self.platform.hunt_service} full"), self.go(f"F~{n}~{p}")])
            self.ext(f"{n} after the hunt-group service", f"F~{n}~{p}",
                     Cond("${centrex_hunt_handled}", "^true$", actions=[("hangup", "NORMAL_CLEARING")],
                          anti=[self.go(first)]))
            setup = []
        elif prof.strategy == "simultaneous" and members:
            self.simultaneous(n, p, prof, members, setup)
            return
        else:
            self.ext(f"{n} profile {prof.name}", f"P~{n}~{p}", actions=setup + [self.go(first)])
        for c in range(prof.cycles):
            for i, line_id in enumerate(members):
                last = c == prof.cycles - 1 and i == len(members) - 1
                nxt = f"X~{n}~{p}" if last else (f"H~{n}~{p}~{c}~{i + 1}" if i + 1 < len(members)
                                                  else f"H~{n}~{p}~{c + 1}~0")
                self.member(n, p, c, i, line_id, prof, nxt)
        self.end(n, p, prof)

    def member(self, n: str, p: int, c: int, i: int, line_id: int, prof: ReceptionProfile, nxt: str) -> None:
        v = self.views[line_id]
        dest = f"H~{n}~{p}~{c}~{i}"
        actions = self.line_vars(line_id)
        if prof.forwards_allowed and v.fwd_all:  # H-3: the member's forward takes the call
            self.ext(f"{n} member {v.user} forwards", dest, actions=actions + [("transfer", "in XML centrex-line")])
            return
        actions += [("set", f"call_timeout={prof.ring_time}"),
                    ("bridge", f"[hold_music={v.hold_music}]{self.user(line_id)}")]
        if not prof.forwards_allowed:
            self.ext(f"{n} member {v.user}", dest, actions=actions + [self.go(nxt)])
            return
        # H-3: not registered → its backup or voicemail; no answer or busy →
        # its no-answer forward or voicemail; the hunt stops there.
        self.ext(f"{n} member {v.user}", dest, actions=actions + [self.go(dest + "~done")])
        after = Cond("${originate_disposition}", "^USER_NOT_REGISTERED$",
                     actions=[("transfer", "unregistered XML centrex-line")], brk="never")
        if v.fwd_na or v.vm_mode != "off":
            rest = Cond("${originate_disposition}", "^(?:NO_ANSWER|USER_BUSY|ALLOTTED_TIMEOUT|NO_USER_RESPONSE)$",
                        actions=[("transfer", "after_ring XML centrex-line")], anti=[self.go(nxt)])
        else:
            rest = Cond("${originate_disposition}", "^USER_NOT_REGISTERED$", anti=[self.go(nxt)])
        self.ext(f"{n} member {v.user} outcome", dest + "~done", after, rest)

    def simultaneous(self, n: str, p: int, prof: ReceptionProfile, members: list[int],
                     setup: list[tuple[str, str]]) -> None:
        legs = ",".join(f"[leg_timeout={self.views[m].ring_time},hold_music={self.views[m].hold_music}]"
                        f"{self.user(m)}" for m in members)
        dial = "|".join([legs] * prof.cycles)
        actions = list(setup)
        if prof.forwards_allowed:
            follow = next((m for m in members if self.views[m].fwd_all), None)
            if follow is not None:  # H-3: that member's forward takes the call at once
                self.ext(f"{n} profile {prof.name}", f"P~{n}~{p}",
                         actions=actions + self.line_vars(follow) + [("transfer", "in XML centrex-line")])
                self.end(n, p, prof)
                return
        self.ext(f"{n} profile {prof.name}", f"P~{n}~{p}", actions=actions + [("bridge", dial), self.go(f"X~{n}~{p}")])
        self.end(n, p, prof)

    def end(self, n: str, p: int, prof: ReceptionProfile) -> None:
        """H-4 after the last cycle: voicemail of the chosen line, else the next
        routing of a special number (overflow), else the call ends."""
        dest = f"X~{n}~{p}"
        vm = prof.voicemail_line_id
        if vm is not None and vm in self.views:
            self.ext(f"{n} voicemail", dest, actions=self.line_vars(vm)
                     + [("transfer", "voicemail XML centrex-line")])
            return
        self.ext(f"{n} no answer", dest, Cond("${centrex_overflow}", r"^(.+)$",
                                               actions=[("transfer", f"$1 XML {self.ctx}")],
                                               anti=[("hangup", "NO_ANSWER")]))

    def ivr(self, n: str, p: int, prof: ReceptionProfile, start: list[tuple[str, str]]) -> None:
        menu = audio_path(self.platform, self.t.audio.get(prof.menu_audio_id or 0)) or "tone_stream://%(300,200,600)"
        keys = {k.digit: k for k in prof.keys}
        digits = "".join(sorted(d for d in keys if d != "fallback")) or "#"
        self.ext(f"{n} menu {prof.name}", f"P~{n}~{p}", actions=start + [
            self.profile_tag(prof.name), ("answer", ""), ("set", "centrex_key="),
            ("play_and_get_digits", f"1 1 3 5000 # {menu} tone_stream://%(200,100,300) centrex_key [{digits}]"),
            self.go(f"K~{n}~{p}~${{centrex_key}}")])
        for digit, key in sorted(keys.items()):
            dest = f"K~{n}~{p}~" + ("" if digit == "fallback" else digit)
            self.ext(f"{n} key {digit}", dest, actions=self.key_actions(key))
        if "fallback" not in keys:  # I-2 default: hang up politely
            self.ext(f"{n} no key", f"K~{n}~{p}~", actions=[("playback", "tone_stream://%(500,0,400)"),
                                                          ("hangup", "NORMAL_CLEARING")])

    def key_actions(self, key: IvrKey) -> list[tuple[str, str]]:
        if key.action == "hangup":
            return [("playback", "tone_stream://%(500,0,400)"), ("hangup", "NORMAL_CLEARING")]
        if key.action == "line":
            return [("transfer", f"{self.lines[_ref(key.line_id)].number} XML {self.t.domain}")]
        if key.action == "voicemail":
            return self.line_vars(_ref(key.line_id)) + [("transfer", "voicemail XML centrex-line")]
        target = self.receptions[_ref(key.target_reception_id)]
        if key.target_mode == "default":
            idx = next(i for i, pr in enumerate(target.profiles) if pr.is_default)
            return [self.go(f"P~{target.number}~{idx}")]
        if key.target_mode == "profile":
            idx = next(i for i, pr in enumerate(target.profiles) if pr.id == key.target_profile_id)
            return [("set", f"timezone={self.t.tenant.timezone}"), self.go(f"P~{target.number}~{idx}")]
        return [self.go(f"R~{target.number}")]

    # -- special numbers -----------------------------------------------------
    def special(self, sp: SpecialNumber) -> None:
        n = sp.number
        self.selection(n, sp.profiles, sp.rules)
        for p, prof in enumerate(sp.profiles):
            self.routings(n, p, prof)

    def routings(self, n: str, p: int, prof: SpecialProfile) -> None:
        self.ext(f"{n} profile {prof.name}", f"P~{n}~{p}",
                 actions=[self.profile_tag(prof.name), self.go(f"S~{n}~{p}~0" if prof.routings else f"S~{n}~{p}~end")])
        for k, routing in enumerate(prof.routings):
            nxt = f"S~{n}~{p}~{k + 1}" if k + 1 < len(prof.routings) else f"S~{n}~{p}~end"
            dests = routing.destinations
            for d, (low, high) in zip(dests, buckets([x.percent for x in dests]), strict=False):
                self.ext(f"{n} routing {k + 1} → {d.number or self.receptions[_ref(d.reception_id)].number}",
                         f"S~{n}~{p}~{k}", Cond("${uuid}", uuid_regex(k, low, high),
                                                actions=self.destination(d, nxt)))
        self.ext(f"{n} overflow exhausted", f"S~{n}~{p}~end", actions=[("hangup", "NO_ANSWER")])

    def destination(self, d: RoutingDestination, nxt: str) -> list[tuple[str, str]]:
        overflow = ("set", f"centrex_overflow={nxt}")
        if d.reception_id:
            return [overflow, ("set", "centrex_sent_to="), self.go(f"R~{self.receptions[d.reception_id].number}")]
        # C-3/S-4: the number the call was sent to, for its call record
        return [overflow, ("set", f"centrex_sent_to={d.number}"), ("set", "continue_on_fail=true"),
                ("set", "hangup_after_bridge=true"),
                ("set", "call_timeout=30"),
                ("bridge", f"[centrex_outbound=special,absolute_codec_string='PCMA,PCMU']loopback/{d.number}/public"),
                self.go(nxt)]


def route_extensions(t: TenantSnap, snapshot: Snapshot, platform: Platform) -> list[Ext]:
    builder = RouteBuilder(t, snapshot, platform)
    for rec in t.receptions:
        builder.reception(rec)
    for sp in t.specials:
        builder.special(sp)
    return builder.exts
