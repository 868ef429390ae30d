"""The engine's inputs and outputs as plain dataclasses (shared by the CLI, the web pages and the sheet)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .analysis import AnswerAnalysis

STRONG = "strong"
POSSIBLE = "possible"


@dataclass(frozen=True)
class GuestAnswers:
    """One guest as the engine sees them; `key` is any stable id (e-mail in CSV mode, guest id in the DB)."""

    key: str
    name: str
    can_offer: str = ""
    could_use: str = ""
    company: str = ""
    # From analyse_answers() (bytes saved with the answers) or already decoded; None: analyse now.
    analysis: "bytes | AnswerAnalysis | None" = None


# The most introductions per guest the CLI, the sheet and the matches page accept: one range for all
# three, so a run saved from the CLI can be re-run from the page.
MAX_PER_GUEST = 10


@dataclass(frozen=True)
class MatchOptions:
    """How to assign: list lengths, caps, the company rule and the host's locks, pins and vetoes."""

    per_guest: int = 3             # 1 to MAX_PER_GUEST
    giver_cap: int | None = None  # None: per_guest + 1 (one spare place buys hit@3, see docs/matching.md)
    separate_companies: bool = True
    exclusions: frozenset[tuple[str, str]] = frozenset()  # "not A with B", either direction
    pins: frozenset[tuple[str, str]] = frozenset()        # "A must meet B", either direction
    locks: frozenset[tuple[str, str]] = frozenset()       # (giver, receiver) kept from an earlier run
    strong_threshold: float = 0.40
    possible_threshold: float = 0.12
    # A receiver whose best candidate scores under this gets no suggestion at all: a weak guess is
    # worse than none, and their needs are listed for the host instead.
    abstain_threshold: float = 0.21
    with_circles: bool = False
    need_coverage_bonus: float = 0.1
    repeated_offer_penalty: float = 0.3

    @property
    def max_per_giver(self) -> int:
        """How often one guest may be suggested as a helper."""
        return self.per_guest + 1 if self.giver_cap is None else self.giver_cap


@dataclass(frozen=True)
class Suggestion:
    """Introduce `giver` to `receiver`: the giver can help with something the receiver could use."""

    giver: str
    receiver: str
    score: float
    strength: str
    reason: str
    offer_item: str
    need_item: str
    is_locked: bool = False
    is_pinned: bool = False

    def to_json(self) -> dict:
        """The Match JSON contract entry."""
        return {"giver": self.giver, "receiver": self.receiver, "score": round(self.score, 4),
                "reason": self.reason, "strength": self.strength}


@dataclass(frozen=True)
class UnservedNeed:
    """A need nobody present offers: one the host can help with personally."""

    guest: str
    need_item: str
    best_score: float


@dataclass(frozen=True)
class Circle:
    """A pay-it-forward group: each member helps the next; in a closed circle the last helps the
    first, in an open chain the last is helped by the one before."""

    members: tuple[str, ...]
    links: tuple[Suggestion, ...]
    is_closed: bool = True

    @property
    def route(self) -> tuple[str, ...]:
        """The members in helping order, the first repeated at the end of a closed circle."""
        return self.members + self.members[:1] if self.is_closed else self.members


@dataclass
class MatchResult:
    """Suggestions (best first per receiver), unserved needs and optional circles."""

    suggestions: list[Suggestion] = field(default_factory=list)
    unserved: list[UnservedNeed] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)

    def for_receiver(self, key: str) -> list[Suggestion]:
        """The suggestions for one guest, best first."""
        return [s for s in self.suggestions if s.receiver == key]

    def to_json(self) -> list[dict]:
        """The Match JSON contract: a list of suggestions, best first per receiver."""
        return [s.to_json() for s in self.suggestions]


# A possible suggestion scoring at least this comes close to strong (0.40). Such a helper is named
# beside an unserved need instead of "nobody offers", and guests see it on their own page; a weaker
# guess stays with the host. A judgement for how the result is shown: the engine does not use it.
NEAR_MISS_SCORE = 0.30


def near_miss(need_item: str, intros: Iterable):
    """Of one receiver's suggestions (anything with `need_item` and `score`), the first made for
    this unserved need, or for a clause kept whole that contains it, scoring at least NEAR_MISS_SCORE;
    None when there is none (nobody offers it)."""
    return next((i for i in intros if i.need_item and need_item in i.need_item and i.score >= NEAR_MISS_SCORE),
                None)
