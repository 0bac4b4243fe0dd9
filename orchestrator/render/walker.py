"""Walk a rendered XML dialplan the way FreeSWITCH's mod_dialplan_xml does.

It answers "what does FreeSWITCH execute for this call?" from the rendered
files alone: hunting (conditions, ``break``, ``continue``, anti-actions,
``$1`` substitution as in ``parse_exten``), then executing the collected
applications: ``set``, ``transfer`` (a new hunt), ``bridge`` (outcome from
the scenario), ``hangup``, ``voicemail``, ``playback`` and friends, with
``${var}`` and ``${api(args)}`` expansion.

It is used by the semantic tests of the rendered tree and by the agreement
between the route simulator and the dialplan. It is deliberately small: the
applications the renderer uses, no more.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

MAX_TRANSFERS = 70  # FreeSWITCH's default max_session_transfers
TIME_ATTRS = ("wday", "mon", "mday", "time-of-day")
PROFILE_FIELDS = {"destination_number", "caller_id_number", "caller_id_name", "network_addr", "ani", "context"}


@dataclass
class Step:
    app: str
    data: str
    context: str
    extension: str

    def __str__(self) -> str:
        return f"{self.app}({self.data})"


@dataclass
class Scenario:
    """The world around the call.

    ``registered``: ``user@domain`` → registered contacts. ``answers``:
    bridge target (``user@domain`` or a gateway number) → ``answer``,
    ``no_answer``, ``busy`` or ``unreachable``; anything else does not answer.
    """

    registered: set[str] = field(default_factory=set)
    answers: Mapping[str, str] = field(default_factory=dict)
    digits: list[str] = field(default_factory=list)
    apis: Mapping[str, Callable[[str], str]] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    socket_reachable: bool = False


@dataclass
class Result:
    steps: list[Step] = field(default_factory=list)
    hangup_cause: str | None = None
    bridged_to: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    attempts: list[tuple[str, ...]] = field(default_factory=list)  # each group of legs rung together
    answered: str | None = None  # "bridge:<target>", "voicemail:<user>", "playback", ...

    def apps(self, *names: str) -> list[str]:
        return [str(s) for s in self.steps if not names or s.app in names]

    @property
    def contexts(self) -> list[str]:
        out: list[str] = []
        for s in self.steps:
            if not out or out[-1] != s.context:
                out.append(s.context)
        return out


class DialplanError(Exception):
    pass


def load_contexts(files: Mapping[str, bytes]) -> dict[str, ET.Element]:
    """The contexts of a rendered tree, includes resolved as FreeSWITCH does
    for the layout the renderer writes (``dialplan/*.xml`` and
    ``dialplan/tenants/*.xml``; ``public/*.xml`` inside ``public.xml``)."""
    contexts: dict[str, ET.Element] = {}
    public_parts = [ET.fromstring(data) for rel, data in sorted(files.items())
                    if rel.startswith("dialplan/public/")]
    for rel, data in sorted(files.items()):
        if not rel.startswith("dialplan/") or rel.startswith("dialplan/public/"):
            continue
        root = ET.fromstring(data)
        for ctx in root.iter("context"):
            if ctx.get("name") == "public":
                merged = ET.Element("context", name="public")
                for child in ctx:
                    tag: object = child.tag  # typeshed says str; a processing instruction's is the factory
                    if tag is ET.ProcessingInstruction or tag == "X-PRE-PROCESS":
                        for part in public_parts:
                            merged.extend(list(part))
                    else:
                        merged.append(child)
                ctx = merged
            contexts[ctx.get("name", "")] = ctx
    return contexts


class Walker:
    def __init__(self, contexts: Mapping[str, ET.Element], scenario: Scenario | None = None) -> None:
        self.contexts = contexts
        self.scenario = scenario or Scenario()
        self.legs: list[Result] = []  # calls run inside loopback legs

    # -- expansion -------------------------------------------------------
    def expand(self, text: str, variables: Mapping[str, str]) -> str:
        out, i = [], 0
        while i < len(text):
            if text.startswith("${", i):
                depth, j = 1, i + 2
                while j < len(text) and depth:
                    if text.startswith("${", j):
                        depth += 1
                        j += 2
                        continue
                    if text[j] == "}":
                        depth -= 1
                    j += 1
                inner = self.expand(text[i + 2:j - 1], variables)
                out.append(self._lookup(inner, variables))
                i = j
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    def _lookup(self, name: str, variables: Mapping[str, str]) -> str:
        m = re.fullmatch(r"([\w]+)\((.*)\)", name, re.S)
        if m:
            return self._api(m.group(1), m.group(2))
        return variables.get(name, "")

    def _api(self, name: str, args: str) -> str:
        if name in self.scenario.apis:
            return self.scenario.apis[name](args)
        if name == "sofia_contact":
            user = args.split("/", 1)[-1]
            return f"sofia/internal/{user}" if user in self.scenario.registered else "error/user_not_registered"
        raise DialplanError(f"the walker does not know the API {name}()")

    # -- hunting -----------------------------------------------------------
    def hunt(self, context: str, variables: dict[str, str]) -> list[Step]:
        xctx = self.contexts.get(context)
        if xctx is None:
            raise DialplanError(f"context {context!r} not found")
        steps: list[Step] = []
        for ext in xctx.findall("extension"):
            proceed = self._parse_exten(ext, context, variables, steps)
            if proceed and ext.get("continue", "false") != "true":
                break
        return steps

    def _parse_exten(self, ext: ET.Element, context: str, variables: dict[str, str], steps: list[Step]) -> bool:
        proceed = False
        name = ext.get("name", "")
        for cond in ext.findall("condition"):
            fld, expr = cond.get("field"), cond.get("expression")
            brk = cond.get("break", "on-false")
            match = None
            if any(cond.get(a) is not None for a in TIME_ATTRS):
                anti = not self._time_match(cond, variables)
                proceed = not anti
            elif fld is None and expr is None:
                anti = False
                proceed = True
            else:
                value = variables.get(fld, "") if fld in PROFILE_FIELDS else self.expand(fld or "", variables)
                match = re.search(self.expand(expr or "", variables), value)
                anti = match is None
                proceed = not anti
            if anti:
                for act in cond.findall("anti-action"):
                    steps.append(Step(act.get("application", ""), act.get("data", ""), context, name))
                    proceed = True
            else:
                for act in cond.findall("action"):
                    data = act.get("data", "")
                    if match is not None and "(" in (expr or ""):
                        data = _with_groups(data, match)
                    steps.append(Step(act.get("application", ""), data, context, name))
            if (not anti and brk == "on-true") or (anti and brk == "on-false") or brk == "always":
                break
        return proceed

    def _time_match(self, cond: ET.Element, variables: Mapping[str, str]) -> bool:
        """switch_xml_std_datetime_check, for the attributes the renderer uses."""
        tz = ZoneInfo(variables.get("timezone") or "UTC")
        local = self.scenario.now.astimezone(tz)
        checks = {"wday": local.isoweekday() % 7 + 1, "mon": local.month, "mday": local.day}
        for attr, value in checks.items():
            spec = cond.get(attr)
            if spec is not None and not _number_cmp(spec, value):
                return False
        tod = cond.get("time-of-day")
        if tod is not None:
            return _tod_cmp(tod, local.hour * 3600 + local.minute * 60 + local.second)
        return True

    # -- execution ---------------------------------------------------------
    def call(self, context: str, destination: str, variables: Mapping[str, str] | None = None,
             depth: int = 0) -> Result:
        """Run a call from the hunt to its end."""
        vars_ = {"destination_number": destination, "context": context, **(variables or {})}
        result = Result(variables=vars_)
        transfers = 0
        steps = self.hunt(context, vars_)
        if not steps:
            result.hangup_cause = "NO_ROUTE_DESTINATION"
            return result
        while steps:
            step = steps.pop(0)
            data = self.expand(step.data, vars_)
            result.steps.append(Step(step.app, data, step.context, step.extension))
            app = step.app
            if app == "set" or (app == "export" and not data.startswith("nolocal:")):
                # export sets the variable here too (and on the B-legs, not walked)
                key, _, value = data.partition("=")
                if value:
                    vars_[key] = value
                else:
                    vars_.pop(key, None)
            elif app == "transfer":
                transfers += 1
                if transfers > MAX_TRANSFERS:
                    result.hangup_cause = "EXCHANGE_ROUTING_ERROR"
                    return result
                parts = data.split()
                dest = parts[0]
                ctx = parts[2] if len(parts) > 2 else vars_["context"]
                vars_.update(destination_number=dest, context=ctx)
                steps = self.hunt(ctx, vars_)
                if not steps:
                    result.hangup_cause = "NO_ROUTE_DESTINATION"
                    return result
            elif app == "bridge":
                outcome, target = self._bridge(data, vars_, result, depth)
                if outcome == "answer":
                    result.bridged_to = target
                    result.answered = f"bridge:{target}"
                    if vars_.get("hangup_after_bridge") == "true":
                        result.hangup_cause = "NORMAL_CLEARING"
                        return result
                else:
                    vars_["originate_disposition"] = outcome
                    if vars_.get("continue_on_fail") != "true":
                        result.hangup_cause = outcome
                        return result
            elif app == "hangup":
                result.hangup_cause = data or "NORMAL_CLEARING"
                return result
            elif app == "voicemail":
                if not data.startswith("check"):
                    result.answered = "voicemail:" + data.split()[-1]
                result.hangup_cause = "NORMAL_CLEARING"  # runs until the caller hangs up
            elif app == "rxfax":
                result.answered = "fax"
                result.hangup_cause = "NORMAL_CLEARING"
            elif app == "playback" and step.context == "centrex-line" and vars_.get("centrex_answered"):
                result.answered = "announce:" + vars_.get("centrex_user", "")  # voicemail, greeting only
            elif app == "answer":
                vars_["centrex_answered"] = "true"
            elif app == "socket":
                if self.scenario.socket_reachable:
                    result.hangup_cause = "NORMAL_CLEARING"
                    result.answered = "socket"
                    return result
            elif app == "play_and_get_digits":
                self._digits(data, vars_)
        if result.hangup_cause is None:
            result.hangup_cause = "NORMAL_CLEARING"
        return result

    def _digits(self, data: str, vars_: dict[str, str]) -> None:
        args = data.split()
        tries, var = int(args[2]), args[7]
        regexp = args[8] if len(args) > 8 else ".*"
        vars_.pop(var, None)
        for _ in range(tries):
            got = self.scenario.digits.pop(0) if self.scenario.digits else ""
            if got and re.search(regexp, got):
                vars_[var] = got
                return

    def _bridge(self, data: str, vars_: dict[str, str], result: Result, depth: int) -> tuple[str, str | None]:
        """Ring each group of legs in turn; the first leg that answers wins."""
        outcomes: list[str] = []
        for group in split_dial(data):
            result.attempts.append(tuple(self._target(leg) for _, leg in group))
            group_outcomes = []
            for leg_vars, leg in group:
                outcome = self._leg(leg, {**vars_, **leg_vars}, depth)
                if outcome == "answer":
                    return "answer", self._target(leg)
                group_outcomes.append(outcome)
            outcomes += group_outcomes
        if outcomes and all(o == "USER_NOT_REGISTERED" for o in outcomes):
            return "USER_NOT_REGISTERED", None
        if outcomes and all(o == "USER_BUSY" for o in outcomes):
            return "USER_BUSY", None
        return "NO_ANSWER", None

    def _leg(self, leg: str, leg_vars: dict[str, str], depth: int) -> str:
        if leg.startswith("loopback/"):
            _, dest, ctx = leg.split("/", 2)
            if depth > 5:
                return "NO_ANSWER"
            inner = {k: v for k, v in leg_vars.items() if k.startswith("centrex_outbound")}
            sub = self.call(ctx, dest, {"caller_id_number": leg_vars.get("caller_id_number", ""), **inner},
                            depth=depth + 1)
            self.legs.append(sub)
            return "answer" if sub.answered else (sub.hangup_cause or "NO_ANSWER")
        target = self._target(leg)
        if "@" in target and target not in self.scenario.registered:
            return "USER_NOT_REGISTERED"
        outcome = self.scenario.answers.get(target, "no_answer")
        return {"answer": "answer", "busy": "USER_BUSY", "no_answer": "NO_ANSWER",
                "unreachable": "NORMAL_TEMPORARY_FAILURE"}.get(outcome, "NO_ANSWER")

    @staticmethod
    def _target(data: str) -> str:
        text = re.sub(r"^(\{[^}]*\}|\[[^\]]*\])+", "", data)
        if text.startswith("user/"):
            return text[5:]
        if text.startswith("sofia/gateway/"):
            return "gateway:" + text.split("/", 3)[3]
        if text.startswith("loopback/"):
            return "loopback:" + text.split("/")[1]
        return text


def _with_groups(data: str, match: re.Match[str]) -> str:
    """``$1``..``$9`` in an action's data: the groups of the condition's
    ``match`` ("" for a group that did not take part)."""
    return re.sub(r"\$(\d)", lambda m: match.group(int(m.group(1))) or "", data)


def _number_cmp(spec: str, value: int) -> bool:
    """switch_number_cmp: ``1,3,5-7``."""
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            if int(a) <= value <= int(b):
                return True
        elif part.strip() and int(part) == value:
            return True
    return False


def _seconds(text: str) -> int:
    parts = [int(p) for p in text.split(":")] + [0, 0]
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def _tod_cmp(spec: str, value: int) -> bool:
    """switch_tod_cmp: inclusive ranges, wrapping when start > end."""
    for part in spec.split(","):
        a, b = (_seconds(x) for x in part.split("-", 1))
        if (a <= value <= b) if a <= b else (value >= a or value <= b):
            return True
    return False


def split_dial(data: str) -> list[list[tuple[dict[str, str], str]]]:
    """A bridge string as groups (``|``) of legs (``,``) with their variables."""
    text = data.strip()
    if text.startswith("{"):
        text = text[_closing(text, 0, "{", "}") + 1:]
    groups: list[list[tuple[dict[str, str], str]]] = []
    for group in _split(text, "|"):
        legs = []
        for leg in _split(group, ","):
            leg = leg.strip()
            leg_vars: dict[str, str] = {}
            while leg.startswith("["):
                end = _closing(leg, 0, "[", "]")
                for item in _split(leg[1:end], ","):
                    key, _, value = item.partition("=")
                    leg_vars[key.strip()] = value.strip().strip("'")
                leg = leg[end + 1:]
            legs.append((leg_vars, leg))
        groups.append(legs)
    return groups


def _closing(text: str, start: int, open_: str, close: str) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == open_:
            depth += 1
        elif text[i] == close:
            depth -= 1
            if depth == 0:
                return i
    raise DialplanError(f"unbalanced {open_}{close} in {text!r}")


def _split(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside brackets and quotes."""
    out, depth, quote, cur = [], 0, False, ""
    for ch in text:
        if ch == "'":
            quote = not quote
        elif ch in "[{" and not quote:
            depth += 1
        elif ch in "]}" and not quote:
            depth -= 1
        if ch == sep and depth == 0 and not quote:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [x for x in out if x.strip()]
