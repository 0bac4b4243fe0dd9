"""Weighted choice without a live service (S-2).

Each call has a random version-4 UUID, ``xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx``:
30 of its hex digits are fully random. Routing ``k`` of a profile reads three
of them of its own (:data:`WINDOWS`; no two routings share a digit, so their
draws are independent), a number 0-4095, and picks the destination whose
bucket holds it; buckets are sized by the load-share percentages (4096
buckets: each percentage is honoured to within 0.025 %). The renderer turns
the buckets into regular expressions on ``${uuid}``; the resolver uses the
same buckets, so both pick the same destination for the same call.

Ten windows, so a profile holds at most :data:`MAX_ROUTINGS` routings (the
editor's limit). Routings 1-4 read the last group, as they always did.
"""

from __future__ import annotations

import re

BUCKETS = 4096
UUID_LEN = 36
# The three digit positions (most significant first) each routing reads.
WINDOWS: tuple[tuple[int, int, int], ...] = (
    (33, 34, 35), (30, 31, 32), (27, 28, 29), (24, 25, 26),  # routings 1-4: the last group
    (0, 1, 2), (3, 4, 5), (9, 10, 11), (15, 16, 17), (20, 21, 22),  # 5-9
    (6, 7, 12),  # 10: the digits left over (13 is the version, 19 holds the variant)
)
MAX_ROUTINGS = len(WINDOWS)


def buckets(percents: list[int]) -> list[tuple[int, int]]:
    """Inclusive [low, high] bucket ranges, one per destination, in order."""
    total = sum(percents)
    out, low, acc = [], 0, 0
    for i, p in enumerate(percents):
        acc += p
        high = BUCKETS - 1 if i == len(percents) - 1 else round(acc * BUCKETS / total) - 1
        out.append((low, high))
        low = high + 1
    return out


def window(routing_index: int) -> tuple[int, int, int]:
    """Where routing ``k`` (0-based) reads its three hex digits in the UUID string."""
    if not 0 <= routing_index < MAX_ROUTINGS:
        raise ValueError(f"routing {routing_index + 1}: a profile has at most {MAX_ROUTINGS} routings")
    return WINDOWS[routing_index]


def draw(uuid: str, routing_index: int) -> int:
    return int("".join(uuid[i] for i in window(routing_index)), 16)


def pick(uuid: str, routing_index: int, percents: list[int]) -> int:
    value = draw(uuid, routing_index)
    for i, (low, high) in enumerate(buckets(percents)):
        if low <= value <= high:
            return i
    raise ValueError("buckets do not cover 0-4095")


def uuid_with_draws(values: list[int], base: str = "00000000-0000-4000-8000-000000000000") -> str:
    """A UUID on which routing ``k`` draws ``values[k]`` (the last value for
    the routings after; none: the base's draws). For the simulator's
    circumstances and for tests."""
    chars = list(base)
    for k in range(MAX_ROUTINGS):
        if not values:
            break
        value = values[min(k, len(values) - 1)]
        if not 0 <= value < BUCKETS:
            raise ValueError(f"a draw is between 0 and {BUCKETS - 1}, got {value}")
        for pos, digit in zip(window(k), f"{value:03x}", strict=True):
            chars[pos] = digit
    return "".join(chars)


def _hex_range(low: int, high: int, width: int) -> list[str]:
    """Regular expressions for the fixed-width hex numbers low..high."""
    if low > high:
        return []
    if width == 1:
        return [_class(low, high)]
    unit = 16 ** (width - 1)
    lo_head, hi_head = divmod(low, unit)[0], divmod(high, unit)[0]
    if lo_head == hi_head:
        return [f"{lo_head:x}{r}" for r in _hex_range(low % unit, high % unit, width - 1)]
    out = []
    if low % unit:
        out += [f"{lo_head:x}{r}" for r in _hex_range(low % unit, unit - 1, width - 1)]
        lo_head += 1
    tail_full = (high % unit) == unit - 1
    mid_end = hi_head if tail_full else hi_head - 1
    if lo_head <= mid_end:
        out.append(_class(lo_head, mid_end) + "." * (width - 1))
    if not tail_full:
        out += [f"{hi_head:x}{r}" for r in _hex_range(0, high % unit, width - 1)]
    return out


def _class(low: int, high: int) -> str:
    if low == high:
        return f"{low:x}"
    digits = "".join(f"{d:x}" for d in range(low, high + 1))
    return f"[{digits}]"


def uuid_regex(routing_index: int, low: int, high: int) -> str:
    """A regular expression on ``${uuid}`` true when the draw is in [low, high]."""
    positions = window(routing_index)
    first, last = positions[0], positions[-1]
    if positions == (first, first + 1, first + 2):  # contiguous: one prefix for every alternative
        alts = "|".join(_hex_range(low, high, 3))
        return f"^.{{{first}}}(?:{alts}).{{{UUID_LEN - last - 1}}}$"
    alternatives = []
    for alt in _hex_range(low, high, 3):
        tokens = re.findall(r"\[[^\]]*\]|.", alt)  # one per digit: a digit, a class or "."
        out, at = [], 0
        for pos, token in zip(positions, tokens, strict=True):
            out.append(_gap(pos - at) + token)
            at = pos + 1
        alternatives.append("".join(out))
    return f"^(?:{'|'.join(alternatives)}){_gap(UUID_LEN - last - 1)}$"


def _gap(n: int) -> str:
    return f".{{{n}}}" if n else ""
