"""The optimiser's constraints, as properties over random parties, and optimal beats greedy."""
from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from organizer.matching.assignment import Edge, assign, greedy_assign
from organizer.matching.engine import match_guests, same_company
from organizer.matching.results import GuestAnswers, MatchOptions

from .conftest import topic_analysis

TOPICS = 5


@st.composite
def parties(draw):
    """A small party with topic answers, companies and host exclusions and pins."""
    size = draw(st.integers(2, 12))
    guests = []
    for i in range(size):
        offers = draw(st.lists(st.integers(0, TOPICS - 1), min_size=0, max_size=2, unique=True))
        needs = draw(st.lists(st.integers(0, TOPICS - 1), min_size=0, max_size=2, unique=True))
        company = draw(st.sampled_from(["Acme", "Globex", "Initech", "Self-employed", ""]))
        guests.append(GuestAnswers(key=f"g{i}", name=f"Guest {i}", company=company,
                                   analysis=topic_analysis(offers, needs)))
    pairs = st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)).filter(lambda p: p[0] != p[1])
    exclusions = draw(st.lists(pairs, max_size=3))
    pins = draw(st.lists(pairs, max_size=2))
    per_guest = draw(st.integers(1, 3))
    giver_cap = draw(st.one_of(st.none(), st.integers(1, 4)))
    separate = draw(st.booleans())
    return guests, MatchOptions(
        per_guest=per_guest, giver_cap=giver_cap, separate_companies=separate,
        exclusions=frozenset((f"g{a}", f"g{b}") for a, b in exclusions),
        pins=frozenset((f"g{a}", f"g{b}") for a, b in pins if (a, b) not in exclusions and (b, a) not in exclusions),
        possible_threshold=0.5, strong_threshold=0.9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parties())
def test_constraints_hold(party):
    guests, options = party
    result = match_guests(guests, options)
    by_key = {g.key: g for g in guests}
    pinned_pairs = {frozenset(p) for p in options.pins}
    pins_per_guest = Counter(k for p in options.pins for k in p)
    receivers = Counter(s.receiver for s in result.suggestions)
    givers = Counter(s.giver for s in result.suggestions)
    for suggestion in result.suggestions:
        pair = frozenset((suggestion.giver, suggestion.receiver))
        assert suggestion.giver != suggestion.receiver
        assert pair not in {frozenset(e) for e in options.exclusions}
        if pair not in pinned_pairs and options.separate_companies:
            assert not same_company(by_key[suggestion.giver].company, by_key[suggestion.receiver].company)
    for key, count in receivers.items():
        assert count <= max(options.per_guest, pins_per_guest[key])
    for key, count in givers.items():
        assert count <= max(options.max_per_giver, pins_per_guest[key])
    suggested_pairs = {frozenset((s.giver, s.receiver)) for s in result.suggestions}
    assert pinned_pairs <= suggested_pairs
    assert len({(s.giver, s.receiver) for s in result.suggestions}) == len(result.suggestions)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.floats(0.0, 1.0)), max_size=40),
       st.integers(1, 3), st.integers(1, 3))
def test_every_receiver_who_can_be_helped_gets_one_before_anyone_gets_a_second(raw, per_receiver, per_giver):
    edges = list({(g, r): Edge(g, r, round(s, 3)) for g, r, s in raw if g != r}.values())
    chosen = assign(edges, per_receiver, per_giver)
    counts_in = Counter(e.receiver for e in chosen)
    counts_out = Counter(e.giver for e in chosen)
    assert all(c <= per_receiver for c in counts_in.values())
    assert all(c <= per_giver for c in counts_out.values())
    # The number of receivers served is the most any assignment can serve (a maximum matching with
    # giver capacities): greedy never serves more.
    assert len(counts_in) >= len({e.receiver for e in greedy_assign(edges, 1, per_giver)})


def test_optimal_beats_greedy_where_greedy_is_wrong():
    # Priya is everyone's best helper but can meet one person; Bob can only help Ann.
    priya, bob, ann, carl = 0, 1, 2, 3
    edges = [Edge(priya, ann, 0.9), Edge(priya, carl, 0.8), Edge(bob, ann, 0.7)]
    greedy = greedy_assign(edges, per_receiver=1, per_giver=1)
    optimal = assign(edges, per_receiver=1, per_giver=1)
    assert {(e.giver, e.receiver) for e in greedy} == {(priya, ann)}  # Carl gets nobody
    assert {(e.giver, e.receiver) for e in optimal} == {(priya, carl), (bob, ann)}
    assert sum(e.score for e in optimal) > sum(e.score for e in greedy)


def test_second_suggestions_wait_until_everyone_has_a_first():
    # Ann's second-best helper scores higher than Carl's only helper; Carl still comes first.
    edges = [Edge(0, 10, 0.9), Edge(1, 10, 0.85), Edge(1, 11, 0.2)]
    chosen = assign(edges, per_receiver=3, per_giver=1)
    assert {(e.giver, e.receiver) for e in chosen} == {(0, 10), (1, 11)}


def test_locked_edges_are_kept_even_against_the_score():
    edges = [Edge(0, 10, 0.9), Edge(1, 10, 0.1, is_forced=True)]
    chosen = assign(edges, per_receiver=1, per_giver=1)
    assert [(e.giver, e.receiver) for e in chosen] == [(1, 10)]


def test_a_givers_last_place_makes_a_first_introduction_good_before_it_adds_a_second():
    # Gil is Ann's best helper (0.5; Hal 0.3 is her other) and Bea's second (0.6, after Ivy 0.9).
    # Adding Gil to Bea's list scores more in sum (0.3 + 0.9 + 0.6 > 0.5 + 0.3 + 0.9), but leaves Ann
    # a weaker first introduction; the first introduction counts more, so Gil goes to Ann.
    gil, hal, ivy, ann, bea = 0, 1, 2, 10, 11
    edges = [Edge(gil, ann, 0.5), Edge(hal, ann, 0.3), Edge(ivy, bea, 0.9), Edge(gil, bea, 0.6)]
    chosen = {(e.giver, e.receiver) for e in assign(edges, per_receiver=2, per_giver=1)}
    assert chosen == {(gil, ann), (hal, ann), (ivy, bea)}
