"""Matching over the database: stored analyses, runs the host reviews, host choices, publication.

Plain functions taking a session, the event and ``now``; callers commit. The engine itself
(organizer.matching.engine) knows nothing of the database: this module feeds it guests with their
stored analyses and the host's choices, and saves what it suggests.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import DomainError
from ..hosting.models import Event
from ..rsvp.models import Attendance, Guest
from .models import (
    DIRECTED_KINDS,
    GuestAnalysis,
    MatchChoice,
    MatchPublication,
    MatchRun,
    MatchSuggestion,
    UnservedNeedRow,
)
from .results import GuestAnswers, MatchOptions
from .store import answers_hash

# How many runs of an event to keep (the published one is always kept too).
RUNS_KEPT = 5
GOING = (Attendance.yes, Attendance.maybe)

# analyse(list of (can_offer, could_use)) -> list of AnswerAnalysis; tests pass a cached one.
Analyser = Callable[[list[tuple[str, str]]], list]


class MatchingError(DomainError):
    """A matching request the kit cannot carry out; the message is for the host."""


def _default_analyser(answers: list[tuple[str, str]]) -> list:
    from .analysis import analyse_many
    return analyse_many(answers)


# ---------------------------------------------------------------- answer analyses

def match_guest_list(session: Session, event: Event, *, present_only: bool = False) -> list[Guest]:
    """The guests a run covers: those going (yes/maybe), or those checked in when present_only."""
    query = select(Guest).where(Guest.event_id == event.id)
    if present_only:
        # Checked in, and not declined since (a guest who left early and said so).
        query = query.where(Guest.checked_in_at.is_not(None), Guest.attendance != Attendance.no)
    else:
        query = query.where(Guest.attendance.in_(GOING))
    return list(session.scalars(query.order_by(Guest.name, Guest.id)))


def stale_guests(session: Session, event: Event) -> list[Guest]:
    """The event's guests whose answers have no analysis, or changed since theirs was made."""
    rows = session.execute(
        select(Guest, GuestAnalysis.answers_hash)
        .outerjoin(GuestAnalysis, GuestAnalysis.guest_id == Guest.id)
        .where(Guest.event_id == event.id)).all()
    return [guest for guest, stored in rows
            if stored != answers_hash(guest.can_offer or "", guest.could_use or "")]


def ensure_analyses(session: Session, event: Event, *, now: datetime,
                    guests: Sequence[Guest] | None = None,
                    analyse: Analyser | None = None) -> dict[int, bytes]:
    """Analyse (in one batch) the guests whose answers changed; returns guest id -> analysis bytes.

    ``guests`` limits the work and the answer to those guests (default: every guest of the event).
    The caller commits; when a concurrent writer stored the same rows first, the session is
    rolled back and the pass retried.
    """
    try:
        return _ensure_analyses(session, event, now, guests, analyse or _default_analyser)
    except IntegrityError:
        # Another process stored an analysis for one of these guests first: start again from
        # what is stored now (call this at the start of a transaction).
        session.rollback()
        return _ensure_analyses(session, event, now, guests, analyse or _default_analyser)


def _ensure_analyses(session: Session, event: Event, now: datetime, guests: Sequence[Guest] | None,
                     analyse: Analyser) -> dict[int, bytes]:
    wanted = list(guests) if guests is not None else list(
        session.scalars(select(Guest).where(Guest.event_id == event.id)))
    ids = [g.id for g in wanted]
    stored: dict[int, GuestAnalysis] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stored.update((row.guest_id, row) for row in session.scalars(
            select(GuestAnalysis).where(GuestAnalysis.guest_id.in_(chunk))))
    todo: list[tuple[Guest, str]] = []
    for guest in wanted:
        digest = answers_hash(guest.can_offer or "", guest.could_use or "")
        row = stored.get(guest.id)
        if row is None or row.answers_hash != digest:
            todo.append((guest, digest))
    if todo:
        fresh = analyse([(g.can_offer or "", g.could_use or "") for g, _ in todo])
        for (guest, digest), analysis in zip(todo, fresh):
            data = analysis.to_bytes()
            row = stored.get(guest.id)
            if row is None:
                row = stored[guest.id] = GuestAnalysis(guest_id=guest.id)
                session.add(row)
            row.answers_hash, row.data, row.analysed_at = digest, data, now
        session.flush()
    return {guest_id: row.data for guest_id, row in stored.items()}


# ---------------------------------------------------------------- host choices

@dataclass(frozen=True)
class HostChoices:
    """An event's locks and vetoes (giver, receiver) and exclusions and pins (pairs), as guest ids."""

    locks: frozenset[tuple[int, int]]
    vetoes: frozenset[tuple[int, int]]
    exclusions: frozenset[tuple[int, int]]
    pins: frozenset[tuple[int, int]]


def host_choices(session: Session, event: Event) -> HostChoices:
    """Everything the host decided about pairs of guests of this event."""
    found: dict[str, set[tuple[int, int]]] = {"lock": set(), "veto": set(), "exclude": set(), "pin": set()}
    for choice in session.scalars(select(MatchChoice).where(MatchChoice.event_id == event.id)):
        found[choice.kind].add((choice.guest_a_id, choice.guest_b_id))
    return HostChoices(*(frozenset(found[k]) for k in ("lock", "veto", "exclude", "pin")))


def list_choices(session: Session, event: Event, kind: str) -> list[MatchChoice]:
    """The event's choices of one kind, oldest first."""
    return list(session.scalars(select(MatchChoice).where(
        MatchChoice.event_id == event.id, MatchChoice.kind == kind).order_by(MatchChoice.id)))


def _guest_of(session: Session, event: Event, guest_id: int) -> Guest:
    guest = session.get(Guest, guest_id)
    if guest is None or guest.event_id != event.id:
        raise MatchingError("That guest is not on this event's list.")
    return guest


def _pair(session: Session, event: Event, kind: str, a_id: int, b_id: int) -> tuple[int, int]:
    _guest_of(session, event, a_id)
    _guest_of(session, event, b_id)
    if a_id == b_id:
        raise MatchingError("Choose two different guests.")
    return (a_id, b_id) if kind in DIRECTED_KINDS else (min(a_id, b_id), max(a_id, b_id))


def _find(session: Session, event: Event, kind: str, pair: tuple[int, int]) -> MatchChoice | None:
    return session.scalar(select(MatchChoice).where(
        MatchChoice.event_id == event.id, MatchChoice.kind == kind,
        MatchChoice.guest_a_id == pair[0], MatchChoice.guest_b_id == pair[1]))


def _add_choice(session: Session, event: Event, kind: str, a_id: int, b_id: int,
                now: datetime) -> MatchChoice:
    pair = _pair(session, event, kind, a_id, b_id)
    existing = _find(session, event, kind, pair)
    if existing is not None:
        return existing
    choice = MatchChoice(event_id=event.id, kind=kind, guest_a_id=pair[0], guest_b_id=pair[1],
                         created_at=now)
    session.add(choice)
    session.flush()
    return choice


def _remove(session: Session, event: Event, kind: str, a_id: int, b_id: int) -> bool:
    pair = (a_id, b_id) if kind in DIRECTED_KINDS else (min(a_id, b_id), max(a_id, b_id))
    choice = _find(session, event, kind, pair)
    if choice is None:
        return False
    session.delete(choice)
    session.flush()
    return True


def _latest_suggestion(session: Session, event: Event, giver_id: int,
                       receiver_id: int) -> MatchSuggestion | None:
    run = latest_run(session, event)
    if run is None:
        return None
    return session.scalar(select(MatchSuggestion).where(
        MatchSuggestion.run_id == run.id, MatchSuggestion.giver_id == giver_id,
        MatchSuggestion.receiver_id == receiver_id))


def lock_match(session: Session, event: Event, giver_id: int, receiver_id: int, *,
               now: datetime) -> MatchChoice:
    """Keep this introduction in every re-run (a veto of the two, either way round, is lifted:
    a veto keeps them apart both ways, and the host's later word wins)."""
    if _find(session, event, "exclude", _pair(session, event, "exclude", giver_id, receiver_id)):
        raise MatchingError("A rule says these two are never introduced; remove it first.")
    choice = _add_choice(session, event, "lock", giver_id, receiver_id, now)
    _remove(session, event, "veto", giver_id, receiver_id)
    _remove(session, event, "veto", receiver_id, giver_id)
    suggestion = _latest_suggestion(session, event, giver_id, receiver_id)
    if suggestion is not None:
        suggestion.is_locked = True
    return choice


def unlock_match(session: Session, event: Event, giver_id: int, receiver_id: int) -> bool:
    """Let the matcher reconsider this introduction on the next run."""
    removed = _remove(session, event, "lock", giver_id, receiver_id)
    suggestion = _latest_suggestion(session, event, giver_id, receiver_id)
    if suggestion is not None:
        suggestion.is_locked = False
    return removed


def veto_match(session: Session, event: Event, giver_id: int, receiver_id: int, *,
               now: datetime) -> MatchChoice:
    """Never suggest these two to each other again, either way round; drop them from the latest
    run. A lock of the two is lifted; a "must meet" rule for them is not overruled silently."""
    if _find(session, event, "pin", _pair(session, event, "pin", giver_id, receiver_id)):
        raise MatchingError("A rule says these two must meet; remove it first.")
    choice = _add_choice(session, event, "veto", giver_id, receiver_id, now)
    for pair in ((giver_id, receiver_id), (receiver_id, giver_id)):
        _remove(session, event, "lock", *pair)
        suggestion = _latest_suggestion(session, event, *pair)
        if suggestion is not None:
            session.delete(suggestion)
            session.flush()
    run = latest_run(session, event)
    if run is not None:
        # A circle or chain that runs through the vetoed introduction is broken: it goes too (the
        # next run finds new ones), so the page and the sheet never show a link the host refused.
        kept = [group for group in run.circles if not _links(group, giver_id, receiver_id)
                and not _links(group, receiver_id, giver_id)]
        if len(kept) != len(run.circles):
            run.circles_json = json.dumps(kept)
            session.flush()
    return choice


def _links(group: dict, giver_id: int, receiver_id: int) -> bool:
    """Whether a circle or chain has `giver_id` helping `receiver_id` as one of its steps."""
    members = group["members"]
    steps = list(zip(members, members[1:]))
    if group.get("closed") and len(members) > 1:
        steps.append((members[-1], members[0]))
    return (giver_id, receiver_id) in steps


def unveto_match(session: Session, event: Event, giver_id: int, receiver_id: int) -> bool:
    """Allow a vetoed introduction again (from the next run)."""
    return _remove(session, event, "veto", giver_id, receiver_id)


def exclude_pair(session: Session, event: Event, a_id: int, b_id: int, *, now: datetime) -> MatchChoice:
    """"Not A with B": never introduce these two, either way round."""
    if _find(session, event, "pin", _pair(session, event, "pin", a_id, b_id)):
        raise MatchingError("These two are pinned to meet; remove the pin first.")
    # A lock keeps an introduction in every run and would win over the rule without a word.
    if any(_find(session, event, "lock", pair) for pair in ((a_id, b_id), (b_id, a_id))):
        raise MatchingError("Their introduction is locked; unlock it first (or veto it).")
    return _add_choice(session, event, "exclude", a_id, b_id, now)


def pin_pair(session: Session, event: Event, a_id: int, b_id: int, *, now: datetime) -> MatchChoice:
    """"A must meet B": the next runs always introduce these two (in the direction that helps most)."""
    pair = _pair(session, event, "pin", a_id, b_id)
    if _find(session, event, "exclude", pair) or any(
            _find(session, event, "veto", p) for p in (pair, pair[::-1])):
        raise MatchingError("These two are kept apart (an exclusion or a veto); remove it first.")
    return _add_choice(session, event, "pin", a_id, b_id, now)


def remove_choice(session: Session, event: Event, choice_id: int) -> None:
    """Delete one of the event's choices (a lock, veto, exclusion or pin) by id."""
    choice = session.get(MatchChoice, choice_id)
    if choice is None or choice.event_id != event.id:
        raise MatchingError("That choice no longer exists.")
    if choice.kind == "lock":
        unlock_match(session, event, choice.guest_a_id, choice.guest_b_id)
    else:
        session.delete(choice)
        session.flush()


# ---------------------------------------------------------------- runs

def run_matching(session: Session, event: Event, *, now: datetime, per_guest: int = 3,
                 present_only: bool = False, giver_cap: int | None = None,
                 separate_companies: bool = True, analyse: Analyser | None = None,
                 progress: Callable[[str], None] | None = None) -> MatchRun:
    """Match the event's guests (going, or checked in), keeping locks and honouring vetoes; save the run."""
    if per_guest < 1:
        raise MatchingError("Suggest at least one introduction per guest.")
    guests = match_guest_list(session, event, present_only=present_only)
    analyses = ensure_analyses(session, event, now=now, guests=guests, analyse=analyse)
    choices = host_choices(session, event)
    ids = {g.id for g in guests}

    def keys(pairs) -> frozenset[tuple[str, str]]:
        return frozenset((str(a), str(b)) for a, b in pairs if a in ids and b in ids)

    options = MatchOptions(per_guest=per_guest, giver_cap=giver_cap,
                           separate_companies=separate_companies,
                           exclusions=keys(choices.exclusions | choices.vetoes),
                           pins=keys(choices.pins), locks=keys(choices.locks), with_circles=True)
    answers = [GuestAnswers(key=str(g.id), name=g.name, can_offer=g.can_offer or "",
                            could_use=g.could_use or "", company=g.company or "",
                            analysis=analyses.get(g.id)) for g in guests]
    from .engine import match_guests  # NumPy/SciPy load on the first run, not at app start-up
    result = match_guests(answers, options, progress=progress)

    run = MatchRun(event_id=event.id, created_at=now, is_present_only=present_only,
                   per_guest=per_guest, guest_count=len(guests),
                   guest_ids_json=json.dumps([g.id for g in guests]),
                   answers_json=json.dumps({g.id: _written(g) for g in guests}),
                   circles_json=json.dumps([{"members": [int(k) for k in c.members],
                                             "closed": c.is_closed} for c in result.circles]))
    session.add(run)
    session.flush()
    ranks: dict[str, int] = {}
    rows = []
    for s in result.suggestions:
        ranks[s.receiver] = ranks.get(s.receiver, 0) + 1
        rows.append(dict(run_id=run.id, giver_id=int(s.giver), receiver_id=int(s.receiver),
                         rank=ranks[s.receiver], score=float(s.score), strength=s.strength,
                         reason=s.reason, offer_item=s.offer_item, need_item=s.need_item,
                         is_locked=s.is_locked, is_pinned=s.is_pinned))
    if rows:
        session.execute(MatchSuggestion.__table__.insert(), rows)
    unserved = [dict(run_id=run.id, guest_id=int(u.guest), need_item=u.need_item,
                     best_score=float(u.best_score)) for u in result.unserved]
    if unserved:
        session.execute(UnservedNeedRow.__table__.insert(), unserved)
    _prune_runs(session, event)
    session.flush()
    session.expire(run, ["suggestions", "unserved"])
    return run


def _prune_runs(session: Session, event: Event) -> None:
    """Keep the newest runs and the published one; older runs go."""
    keep = set(session.scalars(select(MatchRun.id).where(MatchRun.event_id == event.id)
                               .order_by(MatchRun.id.desc()).limit(RUNS_KEPT)))
    published = session.scalar(select(MatchPublication.run_id).where(
        MatchPublication.event_id == event.id))
    if published:
        keep.add(published)
    old = [run_id for run_id in session.scalars(select(MatchRun.id).where(
        MatchRun.event_id == event.id)) if run_id not in keep]
    if old:
        for table in (MatchSuggestion, UnservedNeedRow):
            session.execute(delete(table).where(table.run_id.in_(old)))
        session.execute(delete(MatchRun).where(MatchRun.id.in_(old)))


def _written(guest: Guest) -> str:
    """A short digest of what a guest wrote (not tied to the analysis format, unlike answers_hash)."""
    text = f"{guest.can_offer or ''}\x00{guest.could_use or ''}".encode("utf-8")
    return hashlib.sha256(text).hexdigest()[:16]


@dataclass(frozen=True)
class RunChanges:
    """What changed among the guests since a run was made: the host re-runs to take it in."""

    joined: list[Guest]   # would be matched now, but the run did not include them
    left: list[Guest]     # the run matched them, but they are no longer coming (or checked in)
    edited: list[Guest]   # matched by the run, and their answers changed since

    def __bool__(self) -> bool:
        return bool(self.joined or self.left or self.edited)


def changes_since(session: Session, event: Event, run: MatchRun) -> RunChanges:
    """Guests who joined, left or changed their answers since `run` (for the matches page)."""
    now = match_guest_list(session, event, present_only=run.is_present_only)
    current = {guest.id for guest in now}
    matched = run.guest_ids
    matched_set = set(matched)
    gone_ids = [guest_id for guest_id in matched if guest_id not in current]
    left = (list(session.scalars(select(Guest).where(Guest.id.in_(gone_ids))
                                 .order_by(Guest.name, Guest.id))) if gone_ids else [])
    written = run.answer_hashes
    edited = [guest for guest in now if guest.id in written and written[guest.id] != _written(guest)]
    return RunChanges([guest for guest in now if guest.id not in matched_set], left, edited)


def latest_run(session: Session, event: Event) -> MatchRun | None:
    """The event's most recent run (what the host reviews), or None before the first."""
    return session.scalar(select(MatchRun).where(MatchRun.event_id == event.id)
                          .order_by(MatchRun.id.desc()).limit(1))


def suggestions_of(session: Session, run: MatchRun) -> list[MatchSuggestion]:
    """A run's suggestions, per receiver best first."""
    return list(session.scalars(select(MatchSuggestion).where(MatchSuggestion.run_id == run.id)
                                .order_by(MatchSuggestion.receiver_id, MatchSuggestion.rank)))


def unserved_of(session: Session, run: MatchRun) -> list[UnservedNeedRow]:
    """A run's needs nobody present offers."""
    return list(session.scalars(select(UnservedNeedRow).where(UnservedNeedRow.run_id == run.id)
                                .order_by(UnservedNeedRow.id)))
