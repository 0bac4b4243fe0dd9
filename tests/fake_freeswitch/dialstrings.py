"""Dial strings for the fake outbound FreeSWITCH: :func:`parse_dial_string`
cuts a ``bridge``/``originate`` dial string into failover groups of legs
with their variables, :func:`dial_target` names a leg's target (the key of
``FakeOutboundCall(outcomes=...)``)."""

from __future__ import annotations

__all__ = ["parse_dial_string", "dial_target"]


# --------------------------------------------------------------- dial strings
def _find_close(text: str, start: int, opener: str, closer: str) -> int:
    depth, quote = 0, False
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "'":
            quote = not quote
        elif not quote and ch == opener:
            depth += 1
        elif not quote and ch == closer:
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced {opener}{closer} in dial string {text!r}")


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside ``[] {} <>`` and single quotes."""
    parts, cur, depth, quote = [], [], 0, False
    for ch in text:
        if ch == "'":
            quote = not quote
        elif not quote and ch in "[{<":
            depth += 1
        elif not quote and ch in "]}>":
            depth -= 1
        if ch == sep and depth == 0 and not quote:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return parts


def _parse_vars(inner: str) -> dict[str, str]:
    """``a=b,c='d e'`` (or ``^^:a=b:c=d`` with another delimiter)."""
    delim = ","
    if inner.startswith("^^") and len(inner) > 2:
        delim, inner = inner[2], inner[3:]
    out: dict[str, str] = {}
    for item in _split_top(inner, delim):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        out[name.strip()] = value
    return out


def _take_block(text: str, opener: str, closer: str) -> tuple[dict[str, str], str]:
    end = _find_close(text, 0, opener, closer)
    return _parse_vars(text[1:end]), text[end + 1:].lstrip()


def parse_dial_string(data: str) -> list[list[tuple[str, dict[str, str]]]]:
    """A bridge/originate dial string as failover groups (``|``) of
    simultaneous legs (``,``), each ``(endpoint, variables)``: the ``{..}``
    globals merged with the leg's own ``[..]`` blocks."""
    rest = data.strip()
    globals_: dict[str, str] = {}
    if rest.startswith("{"):
        globals_, rest = _take_block(rest, "{", "}")
    groups: list[list[tuple[str, dict[str, str]]]] = []
    for group_text in _split_top(rest, "|"):
        group_text = group_text.strip()
        group_vars = dict(globals_)
        if group_text.startswith("{"):
            extra, group_text = _take_block(group_text, "{", "}")
            group_vars.update(extra)
        legs = []
        for leg_text in _split_top(group_text, ","):
            leg_text = leg_text.strip()
            leg_vars = dict(group_vars)
            while leg_text.startswith("["):
                extra, leg_text = _take_block(leg_text, "[", "]")
                leg_vars.update(extra)
            if leg_text:
                legs.append((leg_text, leg_vars))
        if legs:
            groups.append(legs)
    return groups


def dial_target(endpoint: str, default_domain: str | None = None) -> str:
    """The key of ``outcomes`` for a leg: ``user@domain`` for ``user/...``,
    the number for ``sofia/gateway/<gw>/<number>``, the URI without ``sip:``
    for ``sofia/<profile>/<uri>``, the extension for ``loopback/<ext>/...``,
    otherwise the endpoint itself."""
    if endpoint.startswith("user/"):
        user = endpoint[5:]
        if "@" not in user and default_domain:
            user = f"{user}@{default_domain}"
        return user
    if endpoint.startswith("sofia/gateway/"):
        _gw, _, number = endpoint[len("sofia/gateway/"):].partition("/")
        return number.removeprefix("sip:").removeprefix("sips:")
    if endpoint.startswith("sofia/"):
        _profile, _, uri = endpoint[len("sofia/"):].partition("/")
        return uri.removeprefix("sip:").removeprefix("sips:")
    if endpoint.startswith("loopback/"):
        return endpoint[len("loopback/"):].split("/")[0]
    return endpoint
