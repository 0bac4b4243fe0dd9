"""Bridge legs of the fake outbound FreeSWITCH: :class:`Outcome` (what
happens to a leg, as the test says) and :class:`Leg` (what the fake saw)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_OUTCOME", "Leg", "OUTCOME_KINDS", "Outcome"]

OUTCOME_KINDS = ("answer", "busy", "no_answer", "unregistered")


@dataclass(frozen=True)
class Outcome:
    """What happens to a bridge leg.

    ``kind``: ``answer``, ``busy`` (USER_BUSY), ``no_answer`` (rings until
    its timeout) or ``unregistered`` (USER_NOT_REGISTERED at once, the leg
    never rings). ``after``: real seconds from the start of the leg's group
    until it resolves. ``hold``: resolve only on :meth:`FakeOutboundCall.release`
    (or when the caller hangs up). ``cause``: another hangup cause for a
    failing leg (``busy``/``no_answer``), e.g. ``CALL_REJECTED``.
    """

    kind: str
    after: float = 0.0
    hold: bool = False
    cause: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in OUTCOME_KINDS:
            raise ValueError(f"Outcome kind must be one of {OUTCOME_KINDS}, not {self.kind!r}")
        if self.after < 0:
            raise ValueError("Outcome.after must be >= 0")


DEFAULT_OUTCOME = Outcome("no_answer")


@dataclass
class Leg:
    """One B-leg of a ``bridge`` as the fake saw it.

    ``state``: ``new`` (its failover group was never tried), ``ringing``,
    ``answered``, ``failed`` (``cause`` says why; ``rang`` is False when the
    channel was never created, e.g. USER_NOT_REGISTERED), ``cancelled``
    (ORIGINATOR_CANCEL, or LOSE_RACE when another leg answered) or ``hungup``
    (answered, then the conversation ended NORMAL_CLEARING).
    """

    endpoint: str
    target: str
    variables: dict[str, str]
    group: int
    index: int
    uuid: str
    outcome: Outcome
    bridge: int = 0  # which bridge execution (0, 1, ...) of the session
    state: str = "new"
    cause: str | None = None
    rang: bool = False
    released: bool = False
    resolve_at: float | None = None  # monotonic time it resolves (None: held)
    final_kind: str = ""  # answer | fail | group_timeout
    final_cause: str = ""

    @property
    def channel_name(self) -> str:
        if self.endpoint.startswith("user/"):
            return f"sofia/internal/{self.target}"
        return self.endpoint
