"""Pay-it-forward groups of 3–5 guests where each member can help the next: circles, then chains."""
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


def find_groups(links: list[Suggestion]) -> list[Circle]:
    """Disjoint circles first, then open chains of 3–5 among the guests no circle took."""
    circles = find_circles(links)
    used = {m for c in circles for m in c.members}
    return circles + find_chains(links, used)


def find_chains(links: list[Suggestion], used: set[str] | None = None) -> list[Circle]:
    """Disjoint open chains A→B→C(→D→E) over giver→receiver links, longest and best first."""
    used = set(used or ())
    outgoing: dict[str, list[Suggestion]] = {}
    for link in sorted(links, key=lambda s: -s.score):
        if link.giver in used or link.receiver in used:
            continue
        edges = outgoing.setdefault(link.giver, [])
        if len(edges) < OUT_EDGES_PER_GUEST:
            edges.append(link)
    found: list[tuple[int, float, tuple[Suggestion, ...]]] = []
    for start in sorted(outgoing):
        best = _best_chain_from(start, outgoing)
        if best:
            found.append((len(best), sum(s.score for s in best) / len(best), best))
    chains: list[Circle] = []
    for _, _, path in sorted(found, key=lambda item: (-item[0], -item[1])):
        members = tuple(s.giver for s in path) + (path[-1].receiver,)
        if used.isdisjoint(members):
            used.update(members)
            chains.append(Circle(members, path, is_closed=False))
    return chains


def _best_chain_from(start: str, outgoing: dict[str, list[Suggestion]]) -> tuple[Suggestion, ...] | None:
    """The longest (then highest-scoring) simple path of 2–4 links starting at `start`."""
    best: tuple[int, float, tuple[Suggestion, ...]] | None = None
    stack: list[tuple[str, tuple[Suggestion, ...]]] = [(start, ())]
    while stack:
        node, path = stack.pop()
        for link in outgoing.get(node, []):
            nxt = link.receiver
            if nxt == start or any(s.giver == nxt for s in path):
                continue
            route = path + (link,)
            if len(route) >= MIN_CIRCLE - 1:
                key = (len(route), sum(s.score for s in route) / len(route))
                if best is None or key > best[:2]:
                    best = (*key, route)
            if len(route) < MAX_CIRCLE - 1:
                stack.append((nxt, route))
    return best[2] if best else None
