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

MAX_TRANSFERS = 70  # FreeSWITCH's default max_session_transfers
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


@dataclass
class Result:
    steps: list[Step] = field(default_factory=list)
    hangup_cause: str | None = None
    bridged_to: str | None = None
    variables: dict[str, str] = field(default_factory=dict)

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
                    if child.tag is ET.ProcessingInstruction or child.tag == "X-PRE-PROCESS":
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
            if fld is None and expr is None:
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
                        data = re.sub(r"\$(\d)", lambda m: match.group(int(m.group(1))) or "", data)
                    steps.append(Step(act.get("application", ""), data, context, name))
            if (not anti and brk == "on-true") or (anti and brk == "on-false") or brk == "always":
                break
        return proceed

    # -- execution ---------------------------------------------------------
    def call(self, context: str, destination: str, variables: Mapping[str, str] | None = None) -> Result:
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
            if app == "set":
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
                outcome = self._bridge(data)
                if outcome == "answer":
                    result.bridged_to = self._target(data)
                    if vars_.get("hangup_after_bridge") == "true":
                        result.hangup_cause = "NORMAL_CLEARING"
                        return result
                else:
                    vars_["originate_disposition"] = {"busy": "USER_BUSY", "no_answer": "NO_ANSWER",
                                                      "unreachable": "USER_NOT_REGISTERED"}.get(outcome, "NO_ANSWER")
                    if vars_.get("continue_on_fail") != "true":
                        result.hangup_cause = vars_["originate_disposition"]
                        return result
            elif app == "hangup":
                result.hangup_cause = data or "NORMAL_CLEARING"
                return result
            elif app in ("voicemail", "rxfax"):
                result.hangup_cause = "NORMAL_CLEARING"  # runs until the caller hangs up
            elif app == "play_and_get_digits":
                var = data.split()[7] if len(data.split()) > 7 else ""
                if var:
                    vars_[var] = self.scenario.digits.pop(0) if self.scenario.digits else ""
        if result.hangup_cause is None:
            result.hangup_cause = "NORMAL_CLEARING"
        return result

    @staticmethod
    def _target(data: str) -> str:
        text = re.sub(r"^(\{[^}]*\}|\[[^\]]*\])+", "", data)
        if text.startswith("user/"):
            return text[5:]
        if text.startswith("sofia/gateway/"):
            return "gateway:" + text.split("/", 3)[3]
        return text

    def _bridge(self, data: str) -> str:
        target = self._target(data)
        if "@" in target and target not in self.scenario.registered:
            return "unreachable"
        return self.scenario.answers.get(target, "no_answer")
