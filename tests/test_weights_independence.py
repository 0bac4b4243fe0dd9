"""Weighted routings draw independently (issue 16, item 5): every routing of
a profile reads hex digits of the call's UUID no other routing reads, so the
draw of routing 5 says nothing about routing 1's (they used to be equal)."""

from __future__ import annotations

import random
import re
import uuid
from itertools import combinations

import pytest

from orchestrator.domain.weights import BUCKETS, MAX_ROUTINGS, draw, uuid_regex, uuid_with_draws

CALLS = 40_000


def random_uuids(n: int, seed: int = 16) -> list[str]:
    rng = random.Random(seed)
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)]


def chi_square(pairs: list[tuple[int, int]], cells: int) -> float:
    """Pearson's statistic of the contingency table of two draws, each cut
    into ``cells`` equal classes."""
    table = [[0] * cells for _ in range(cells)]
    for a, b in pairs:
        table[a * cells // BUCKETS][b * cells // BUCKETS] += 1
    rows = [sum(r) for r in table]
    cols = [sum(table[i][j] for i in range(cells)) for j in range(cells)]
    n = len(pairs)
    return sum((table[i][j] - rows[i] * cols[j] / n) ** 2 / (rows[i] * cols[j] / n)
               for i in range(cells) for j in range(cells) if rows[i] and cols[j])


def test_every_pair_of_routings_draws_independently():
    """Chi-square over 16 x 16 classes (225 degrees of freedom: the 99.99 %
    quantile is about 323) for every pair of the ten routings."""
    uuids = random_uuids(CALLS)
    draws = [[draw(u, k) for k in range(MAX_ROUTINGS)] for u in uuids]
    worst = max((chi_square([(d[j], d[k]) for d in draws], 16), j + 1, k + 1)
                for j, k in combinations(range(MAX_ROUTINGS), 2))
    assert worst[0] < 323, f"routings {worst[1]} and {worst[2]} are correlated (chi-square {worst[0]:.0f})"


@pytest.mark.parametrize("k", range(MAX_ROUTINGS))
def test_each_draw_is_uniform_over_every_value(k):
    """Over all 4096 values, in 64 classes (63 degrees of freedom: 99.99 % about 110)."""
    counts = [0] * 64
    for u in random_uuids(CALLS, seed=k):
        counts[draw(u, k) * 64 // BUCKETS] += 1
    expected = CALLS / 64
    assert sum((c - expected) ** 2 / expected for c in counts) < 110


def test_no_two_routings_share_a_digit_and_all_digits_are_random():
    taken = [pos for k in range(MAX_ROUTINGS) for pos in uuid_with_draws_positions(k)]
    assert len(taken) == len(set(taken)) == 3 * MAX_ROUTINGS
    template = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
    assert all(template[p] == "x" for p in taken)


def uuid_with_draws_positions(k: int) -> list[int]:
    """The positions routing ``k`` reads, found from the outside: the digits
    that change when only routing ``k``'s draw changes."""
    others = [0] * MAX_ROUTINGS
    mine = list(others)
    mine[k] = 0xFFF
    a, b = uuid_with_draws(others), uuid_with_draws(mine)
    return [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]


@pytest.mark.parametrize("k", range(MAX_ROUTINGS))
def test_the_rendered_expression_holds_exactly_the_bucket(k):
    """The dialplan's regular expression on ${uuid} is true exactly when the
    resolver's draw falls in the bucket, for every value at the edges."""
    rng = random.Random(k)
    for low, high in [(0, 0), (0, 1637), (1638, 4095), (4095, 4095), (17, 3000), (256, 511)]:
        rx = re.compile(uuid_regex(k, low, high))
        for value in {0, low - 1, low, low + 1, high - 1, high, high + 1, 4095} - {-1, 4096}:
            u = uuid_with_draws([rng.randrange(BUCKETS) for _ in range(MAX_ROUTINGS)])
            u = uuid_with_draws([draw(u, j) if j != k else value for j in range(MAX_ROUTINGS)])
            assert bool(rx.match(u)) == (low <= value <= high), (low, high, value, u)
