"""Pay-it-forward circles: short cycles (3–5 guests) where each member can help the next."""
from __future__ import annotations

from .results import Circle, Suggestion

MIN_CIRCLE, MAX_CIRCLE = 3, 5
OUT_EDGES_PER_GUEST = 6


def find_circles(links: list[Suggestion], max_circles: int | None = None) -> list[Circle]:
    """Disjoint cycles of 3–5 guests over strong giver→receiver links, best average score first."""
    outgoing: dict[str, list[Suggestion]] = {}
    for link in sorted(links, key=lambda s: -s.score):
        edges = outgoing.setdefault(link.giver, [])
        if len(edges) < OUT_EDGES_PER_GUEST:
            edges.append(link)
    found: list[tuple[float, tuple[Suggestion, ...]]] = []
    for start in sorted(outgoing):
        best = _best_cycle_from(start, outgoing)
        if best:
            found.append((sum(s.score for s in best) / len(best), best))
    used: set[str] = set()
    circles: list[Circle] = []
    for _, cycle in sorted(found, key=lambda item: -item[0]):
        members = tuple(s.giver for s in cycle)
        if used.isdisjoint(members):
            used.update(members)
            circles.append(Circle(members, cycle))
            if max_circles is not None and len(circles) >= max_circles:
                break
    return circles


def _best_cycle_from(start: str, outgoing: dict[str, list[Suggestion]]) -> tuple[Suggestion, ...] | None:
    """The highest-scoring cycle through `start` whose members are all greater-or-equal to it (no repeats)."""
    best: tuple[float, tuple[Suggestion, ...]] | None = None
    stack: list[tuple[str, tuple[Suggestion, ...]]] = [(start, ())]
    while stack:
        node, path = stack.pop()
        for link in outgoing.get(node, []):
            nxt = link.receiver
            route = path + (link,)
            if nxt == start and len(route) >= MIN_CIRCLE:
                total = sum(s.score for s in route) / len(route)
                if best is None or total > best[0]:
                    best = (total, route)
            elif (len(route) < MAX_CIRCLE and nxt > start
                  and all(s.giver != nxt for s in route)):
                stack.append((nxt, route))
    return best[1] if best else None
