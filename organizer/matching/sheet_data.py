"""What the printed host matching sheet shows, as plain data, and how it is read from a saved run."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..hosting.models import Event
from ..rsvp.models import Guest
from .models import MatchRun
from .results import near_miss
from .service import suggestions_of, unserved_of


@dataclass(frozen=True)
class SheetIntro:
    """One introduction to make: whom, how safe a bet, and why."""

    name: str
    badge_number: int | None
    is_strong: bool
    reason: str
    is_locked: bool = False
    is_pinned: bool = False
    offer_item: str = ""
    need_item: str = ""
    giver_id: int | None = None
    score: float = 0.0

    @property
    def text(self) -> str:
        """Why, in a few words: what the helper offers for which need (or the engine's reason)."""
        if self.offer_item and self.need_item:
            return f"offers “{self.offer_item}” for “{self.need_item}”"
        return self.reason


@dataclass(frozen=True)
class SheetGuest:
    """One guest's entry: who they are, what they could use, whom to introduce them to."""

    name: str
    badge_number: int | None
    company: str = ""
    could_use: str = ""
    intros: tuple[SheetIntro, ...] = ()
    # People this guest can help (they appear in those people's entries with the reason).
    helps: tuple[str, ...] = ()
    guest_id: int | None = None


@dataclass(frozen=True)
class SheetNeed:
    """A need nobody present clearly offers; `possible` names the guest suggested for it when that
    possible helper scores close to strong (results.NEAR_MISS_SCORE), else ""."""

    name: str
    badge_number: int | None
    need: str
    possible: str = ""


@dataclass(frozen=True)
class SheetCircle:
    """A pay-it-forward group: member labels in helping order; closed when the last helps the first."""

    members: tuple[str, ...]
    is_closed: bool = True

    @property
    def route(self) -> tuple[str, ...]:
        """The labels in helping order, the first repeated at the end of a closed circle."""
        return self.members + self.members[:1] if self.is_closed else self.members


@dataclass(frozen=True)
class SheetData:
    """Everything printed on a host matching sheet."""

    event_title: str
    event_when: str
    scope: str
    run_at: str
    guests: tuple[SheetGuest, ...]
    unserved: tuple[SheetNeed, ...] = ()
    circles: tuple[SheetCircle, ...] = ()
    notes: tuple[str, ...] = field(default=())


def name_key(name: str) -> tuple[str, str]:
    """Sort key: case-insensitive by name (accents after plain letters), ties by exact text."""
    return (name.casefold(), name)


def guest_label(name: str, badge_number: int | None) -> str:
    """A guest as printed in lists: "Name (#12)"."""
    # The left-to-right mark keeps "(#12)" after a right-to-left name instead of inside it.
    return f"{name}\u200e (#{badge_number})" if badge_number else name


def _fmt(event: Event, moment: datetime | None, pattern: str) -> str:
    local = event.local(moment)
    return local.strftime(pattern) if local else ""


def sheet_data_for_run(session: Session, event: Event, run: MatchRun) -> SheetData:
    """The sheet of one saved run: every guest it covered, sorted by name."""
    ids = run.guest_ids
    guests: dict[int, Guest] = {}
    for start in range(0, len(ids), 500):
        guests.update((g.id, g) for g in session.scalars(
            select(Guest).where(Guest.id.in_(ids[start:start + 500]))))
    intros: dict[int, list[SheetIntro]] = {gid: [] for gid in guests}
    helps: dict[int, list[str]] = {gid: [] for gid in guests}
    for s in suggestions_of(session, run):
        giver, receiver = guests.get(s.giver_id), guests.get(s.receiver_id)
        if giver is None or receiver is None:
            continue
        intros[receiver.id].append(SheetIntro(giver.name, giver.badge_number, s.is_strong, s.reason,
                                              s.is_locked, s.is_pinned, s.offer_item, s.need_item,
                                              giver.id, s.score))
        helps[giver.id].append(guest_label(receiver.name, receiver.badge_number))
    entries = tuple(
        SheetGuest(g.name, g.badge_number, g.company or "", g.could_use or "",
                   tuple(intros[g.id]), tuple(sorted(helps[g.id], key=name_key)), g.id)
        for g in sorted(guests.values(), key=lambda g: name_key(g.name)))
    needs = tuple(SheetNeed(guests[u.guest_id].name, guests[u.guest_id].badge_number, u.need_item,
                            _near_miss_label(u.need_item, intros[u.guest_id]))
                  for u in unserved_of(session, run) if u.guest_id in guests)
    needs = tuple(sorted(needs, key=lambda n: name_key(n.name)))
    circles = tuple(SheetCircle(tuple(guest_label(guests[m].name, guests[m].badge_number)
                                      for m in group["members"] if m in guests), group["closed"])
                    for group in run.circles)
    scope = ("Guests who have checked in" if run.is_present_only
             else "Guests who are coming (yes and maybe)")
    return SheetData(
        event_title=event.title,
        event_when=_fmt(event, event.starts_at, "%a %-d %b %Y, %H:%M") + f" ({event.timezone})",
        scope=f"{scope}: {len(entries)}",
        run_at=_fmt(event, run.created_at, "%-d %b %H:%M"),
        guests=entries, unserved=needs, circles=circles)


def _near_miss_label(need: str, intros: list[SheetIntro]) -> str:
    """The helper suggested for an unserved need with a score close to strong, as printed; else ""."""
    found = near_miss(need, intros)
    return guest_label(found.name, found.badge_number) if found else ""


def filter_guests(data: SheetData, search: str) -> tuple[SheetGuest, ...]:
    """The entries whose guest, company, need or suggested helper mentions `search` (any case)."""
    needle = search.casefold().strip()
    if not needle:
        return data.guests
    return tuple(g for g in data.guests if needle in " ".join(
        [g.name, g.company, g.could_use, *(i.name for i in g.intros)]).casefold())


def strength_counts(data: SheetData) -> tuple[int, int]:
    """How many strong and possible introductions the data holds."""
    strong = sum(i.is_strong for g in data.guests for i in g.intros)
    return strong, sum(len(g.intros) for g in data.guests) - strong


@dataclass(frozen=True)
class GuestNeeds:
    """One guest's needs that nobody present clearly offers: those nobody offers (no helper, or
    only a weak guess), and (need, helper) pairs where a possible helper comes close."""

    name: str
    badge_number: int | None
    needs: tuple[str, ...]
    possible: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        """What follows the guest's name in the list, as the sheet and the page print it."""
        parts = []
        if self.needs:
            parts.append("nobody offers: " + "; ".join(self.needs))
        if self.possible:
            parts.append("close, only a possible helper: " + "; ".join(f"{need} — {helper}"
                                                                     for need, helper in self.possible))
        return " · ".join(parts)


def unserved_by_guest(data: SheetData) -> list[GuestNeeds]:
    """The unserved needs grouped per guest, in the data's (name) order."""
    grouped: dict[tuple[str, int | None], tuple[list[str], list[tuple[str, str]]]] = {}
    for need in data.unserved:
        none, possible = grouped.setdefault((need.name, need.badge_number), ([], []))
        if need.possible:
            possible.append((need.need, need.possible))
        else:
            none.append(need.need)
    return [GuestNeeds(name, number, tuple(none), tuple(possible))
            for (name, number), (none, possible) in grouped.items()]
