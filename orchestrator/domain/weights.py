"""Weighted choice without a live service (S-2).

Each call has a random version-4 UUID. Routing ``k`` of a profile reads
three hex digits of its last group (``k`` selects which three), a number
0-4095, and picks the destination whose bucket holds it; buckets are sized by
the load-share percentages (4096 buckets: each percentage is honoured to
within 0.025 %). The renderer turns the buckets into regular expressions on
``${uuid}``; the resolver uses the same buckets, so both pick the same
destination for the same call.
"""

from __future__ import annotations

BUCKETS = 4096
UUID_LEN = 36


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


def position(routing_index: int) -> int:
    """Where routing ``k`` reads its three hex digits in the UUID string."""
    return UUID_LEN - 3 - 3 * (routing_index % 4)


def draw(uuid: str, routing_index: int) -> int:
    pos = position(routing_index)
    return int(uuid[pos:pos + 3], 16)


def pick(uuid: str, routing_index: int, percents: list[int]) -> int:
    value = draw(uuid, routing_index)
    for i, (low, high) in enumerate(buckets(percents)):
        if low <= value <= high:
            return i
    raise ValueError("buckets do not cover 0-4095")


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
    pos = position(routing_index)
    alternatives = "|".join(_hex_range(low, high, 3))
    return f"^.{{{pos}}}(?:{alternatives}).{{{UUID_LEN - pos - 3}}}$"
