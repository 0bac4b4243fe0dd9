"""What differs between the numbers that have profiles and time rules
(reception numbers, special numbers), for :mod:`.profiles` and
:mod:`.rules`: the models, the attribute naming the number, caller origins,
audit object names, messages, the hook copying a profile's content and the
objects that may point to a profile (and so block its deletion)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..context import ServiceContext

# Writes the audit entry of a rule change, called as
# ``(ctx, number, action, position, description, **extra)``: ``position`` is
# the 1-based rule concerned, ``description`` its days, hours, (origins) and
# profile, ``extra`` what else the action records (``to`` of a move).
RuleAudit = Callable[..., None]


@dataclass(frozen=True)
class NameScheme:
    """How a copy is named when no name is given: ``base`` + ``suffix``
    (``{n}`` from 2 up), cut to ``max_length``."""

    suffix: str  # " ({n})" | " {n}"
    base_if_free: bool = False  # the original's name itself, while no profile has it
    strip_cut: bool = False  # strip the trailing spaces of a cut name before the suffix
    max_length: int = 80


@dataclass(frozen=True)
class NumberKind:
    """A kind of number with profiles and rules.

    ``parent_attr`` is the relationship of a profile and of a rule to their
    number (``reception``, ``special``), ``<parent_attr>_id`` its column.
    Numbers have ``tenant_id``, ``number``, ``profiles`` and ``rules``
    (ordered by position and priority); profiles ``name``, ``is_default``,
    ``forced`` and ``position``; rules the time-rule columns, ``profile_id``
    and, with ``origins``, ``origins``."""

    label: str  # "reception number": in messages
    profile_model: type[Any]
    rule_model: type[Any]
    parent_attr: str
    audit_number: str  # object type of force / unforce
    audit_profile: str  # object type of profile changes
    copy_audit_key: str  # detail naming the copy in a "duplicate" audit entry
    name_taken: str  # message, with {name}
    unknown_rule_profile: str  # message of a rule naming no profile of the number, with {number} and {name}
    names: NameScheme
    copy_content: Callable[[Any, Any], None]  # (original, copy): what a duplicate copies besides the name
    users: Callable[[ServiceContext, Any], list[str]]  # what points to a profile (its deletion is refused)
    audit_rule: RuleAudit
    origins: tuple[str, ...] = ()  # caller origins rules may be limited to, in storage order; (): none
    rules_need_custom: bool = False  # rules may only exist while a custom profile does


def no_users(ctx: ServiceContext, prof: Any) -> list[str]:
    """Nothing points to the profiles of this kind."""
    return []
