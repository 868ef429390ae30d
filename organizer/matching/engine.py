"""The matching service: guests in, suggestions, unserved needs and circles out (no Flask, no database)."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from .analysis import WHOLE_CLAUSE, AnswerAnalysis, analyse_many
from .assignment import Edge, assign
from .circles import find_groups
from .results import POSSIBLE, STRONG, GuestAnswers, MatchOptions, MatchResult, Suggestion, UnservedNeed
from .scoring import Candidate, ScoringParams, score_candidates
from .text import quoted

CANDIDATES_PER_RECEIVER_MIN = 10
# At most this many of a receiver's candidates may have written the very same offer. In a large party
# dozens of guests write "sales coaching"; without a limit a receiver's candidate list can be a dozen
# of them, and the optimiser has no different reading of the need to fall back on.
SAME_OFFER_CANDIDATES = 3
# Not an employer: two people who write these are not colleagues.
NOT_A_COMPANY = frozenset({"", "self-employed", "self employed", "freelance", "freelancer", "independent",
                           "none", "n/a", "na", "-", "retired", "student", "unemployed", "between jobs",
                           "consultant", "contractor"})
VAGUE_NEED = 0.55


def _company_key(company: str) -> str:
    return " ".join(company.lower().replace(",", " ").replace(".", " ").split())


def _employer_key(company: str) -> str | None:
    """The normalised employer name, or None when the answer names no employer ('self-employed')."""
    key = _company_key(company)
    return None if key in NOT_A_COMPANY else key


def same_company(a: str, b: str) -> bool:
    """True when two company names denote the same employer (ignoring 'self-employed' and the like)."""
    key_a, key_b = _company_key(a), _company_key(b)
    return key_a == key_b and key_a not in NOT_A_COMPANY


def reason_for(giver: GuestAnswers, receiver: GuestAnswers, offer_item: str, need_item: str) -> str:
    """A one-line reason that quotes both sides (items already cut by :func:`quoted`)."""
    return f'{giver.name} offers "{offer_item}" — useful for {receiver.name}\'s "{need_item}"'


def load_analyses(guests: Sequence[GuestAnswers]) -> list[AnswerAnalysis]:
    """Use each guest's stored analysis when it is there; analyse the others in one batch."""
    analyses: list[AnswerAnalysis | None] = []
    missing = []
    for index, guest in enumerate(guests):
        analysis = guest.analysis if isinstance(guest.analysis, AnswerAnalysis) else None
        if isinstance(guest.analysis, bytes):
            try:
                analysis = AnswerAnalysis.from_bytes(guest.analysis)
            except ValueError:
                analysis = None
        analyses.append(analysis)
        if analysis is None:
            missing.append(index)
    if missing:
        fresh = analyse_many([(guests[i].can_offer, guests[i].could_use) for i in missing])
        for index, analysis in zip(missing, fresh):
            analyses[index] = analysis
    return analyses  # type: ignore[return-value]


def _varied(candidates: list[Candidate], keep: int) -> list[Candidate]:
    """The best `keep` candidates, with at most SAME_OFFER_CANDIDATES of them per distinct offer text."""
    taken: dict[str, int] = {}
    kept = []
    for candidate in candidates:
        offer = candidate.offer_item.lower()
        if taken.get(offer, 0) < SAME_OFFER_CANDIDATES:
            taken[offer] = taken.get(offer, 0) + 1
            kept.append(candidate)
            if len(kept) == keep:
                break
    return kept


def match_guests(guests: Sequence[GuestAnswers], options: MatchOptions = MatchOptions(),
                 params: ScoringParams = ScoringParams(),
                 progress: Callable[[str], None] | None = None) -> MatchResult:
    """Suggest who should meet whom among `guests`, honouring the options' caps, rules, locks and pins."""
    say = progress or (lambda message: None)
    keys = [g.key for g in guests]
    index_of = {key: i for i, key in enumerate(keys)}
    say(f"analysing answers of {len(guests)} guests")
    analyses = load_analyses(guests)
    excluded = {frozenset((index_of[a], index_of[b])) for a, b in options.exclusions
                if a in index_of and b in index_of}

    # One key per guest, computed once: the rule is checked for every candidate pair.
    employer = [_employer_key(g.company) for g in guests]

    def allowed(giver: int, receiver: int) -> bool:
        if giver == receiver or (excluded and frozenset((giver, receiver)) in excluded):
            return False
        return not (options.separate_companies and employer[giver] is not None
                    and employer[giver] == employer[receiver])

    say("scoring offers against needs")
    # A need's best helper is looked for among those the host's rules allow: a need only a vetoed
    # guest or a colleague offers is listed as unserved, not silently dropped.
    scored = score_candidates(analyses, params, allowed)

    keep = max(CANDIDATES_PER_RECEIVER_MIN, 3 * options.per_guest + 1)
    evidence: dict[tuple[int, int], Candidate] = {}
    edges: list[Edge] = []
    for receiver, candidates in scored.by_receiver.items():
        usable = [c for c in candidates if c.score >= options.possible_threshold and allowed(c.giver, receiver)]
        if not usable or usable[0].score < options.abstain_threshold:
            continue
        covered: set[str] = set()
        offered: set[str] = set()
        for candidate in _varied(usable, keep):
            evidence[(candidate.giver, receiver)] = candidate
            # The best helper for each different need gets a nudge, so a guest with two needs is
            # offered help with both rather than three helpers for one; a second helper who wrote
            # the very same offer adds little, so a different reading of the need goes first.
            bonus = options.need_coverage_bonus if candidate.need_item not in covered else 0.0
            if candidate.offer_item.lower() in offered:
                bonus -= options.repeated_offer_penalty
            covered.add(candidate.need_item)
            offered.add(candidate.offer_item.lower())
            edges.append(Edge(candidate.giver, receiver, candidate.score, bonus=bonus))
    edges = _with_host_choices(edges, evidence, scored.by_receiver, options, index_of)
    say(f"assigning {len(edges)} candidate introductions")
    chosen = assign(edges, options.per_guest, options.max_per_giver)

    locked = {(index_of[g], index_of[r]) for g, r in options.locks if g in index_of and r in index_of}
    suggestions = []
    for edge in chosen:
        giver, receiver = guests[edge.giver], guests[edge.receiver]
        found = evidence.get((edge.giver, edge.receiver))
        offer_item = quoted(found.offer_item) if found else ""
        need_item = quoted(found.need_item) if found else ""
        reason = (reason_for(giver, receiver, offer_item, need_item) if found
                  else f"{giver.name} and {receiver.name}: the host asked for this introduction")
        is_strong = edge.score >= options.strong_threshold and found is not None
        strength = STRONG if is_strong else POSSIBLE
        pair = (edge.giver, edge.receiver)
        suggestions.append(Suggestion(giver.key, receiver.key, edge.score, strength, reason, offer_item,
                                      need_item, is_locked=pair in locked,
                                      is_pinned=edge.is_forced and pair not in locked))
    order = {key: i for i, key in enumerate(keys)}
    suggestions.sort(key=lambda s: (order[s.receiver], -s.score))
    result = MatchResult(suggestions, _unserved(guests, scored.need_best, options))
    if options.with_circles:
        result.circles = find_groups([s for s in suggestions if s.strength == STRONG])
    return result


def _with_host_choices(edges: list[Edge], evidence: dict[tuple[int, int], Candidate],
                       by_receiver: dict[int, list[Candidate]], options: MatchOptions,
                       index_of: dict[str, int]) -> list[Edge]:
    """Add locks (kept as they are) and pins (in the direction that helps most) as forced edges."""
    forced: dict[tuple[int, int], Edge] = {}

    def known(giver: int, receiver: int) -> Candidate | None:
        return next((c for c in by_receiver.get(receiver, []) if c.giver == giver), None)

    for giver_key, receiver_key in options.locks:
        if giver_key in index_of and receiver_key in index_of:
            pair = (index_of[giver_key], index_of[receiver_key])
            found = evidence.get(pair) or known(*pair)
            if found:
                evidence[pair] = found
            forced[pair] = Edge(*pair, found.score if found else 0.0, is_forced=True)
    for a_key, b_key in options.pins:
        if a_key not in index_of or b_key not in index_of:
            continue
        a, b = index_of[a_key], index_of[b_key]
        if (a, b) in forced or (b, a) in forced:
            continue
        options_found = [(c, pair) for pair in ((a, b), (b, a)) if (c := evidence.get(pair) or known(*pair))]
        if options_found:
            found, pair = max(options_found, key=lambda item: item[0].score)
            evidence[pair] = found
            forced[pair] = Edge(*pair, found.score, is_forced=True)
        else:
            forced[(a, b)] = Edge(a, b, 0.0, is_forced=True)
    return [e for e in edges if (e.giver, e.receiver) not in forced] + list(forced.values())


def _unserved(guests: Sequence[GuestAnswers], need_best: dict[int, list[tuple[str, float, float, int]]],
              options: MatchOptions) -> list[UnservedNeed]:
    """Needs whose best possible helper present is below the strong threshold (small talk left out)."""
    unserved = []
    for guest_index in sorted(need_best):
        for need_item, best, vagueness, flags in need_best[guest_index]:
            if best < options.strong_threshold and vagueness < VAGUE_NEED and not flags & WHOLE_CLAUSE:
                unserved.append(UnservedNeed(guests[guest_index].key, quoted(need_item), best))
    return unserved
