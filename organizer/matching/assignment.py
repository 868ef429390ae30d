"""Assignment as a min-cost flow, solved as a linear programme (HiGHS): caps, fairness, locks and pins."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

# A receiver's first slot earns FIRST_SLOT_BONUS, more than any score difference (scores lie in
# [-1, 1]), so every receiver who can be helped gets a first suggestion before anyone gets a second.
# Later slots earn a little less each (convex costs keep them filling in order) and otherwise compete
# on score, so a giver's few places go where they help most.
FIRST_SLOT_BONUS = 4.0
LATER_SLOT_STEP = 0.05
# A receiver's first introduction counts this many times its score: on the development benchmark
# p@1 +0.007 and hit@3 +0.003 against 1 (no preference), for twice the variables (docs/matching.md).
FIRST_CHOICE_WEIGHT = 3.0


@dataclass(frozen=True)
class Edge:
    """A candidate introduction between two guest indices."""

    giver: int
    receiver: int
    score: float
    is_forced: bool = False  # a host lock or pin: always kept
    bonus: float = 0.0       # extra weight in the optimiser only (e.g. covering another of the receiver's needs)


def assign(edges: list[Edge], per_receiver: int, per_giver: int) -> list[Edge]:
    """Pick edges maximising score under the caps, filling receivers' first slots before later ones.

    Each edge may be taken as its receiver's first introduction or as a later one. A first
    introduction's score counts FIRST_CHOICE_WEIGHT times, so a giver's few places go where they
    make someone's first introduction good, rather than where they add a third to a list whose first
    is already weak. The first slot also earns FIRST_SLOT_BONUS, so everyone who can be helped gets
    one before anyone gets a second.

    As a flow: giver (cap) -> edge (at most once) -> the receiver's first slot or later slots. The
    linear programme is a network flow, so its vertices are integral; the dual simplex returns one.
    """
    if not edges:
        return []
    forced_in = defaultdict(int)
    forced_out = defaultdict(int)
    for edge in edges:
        if edge.is_forced:
            forced_in[edge.receiver] += 1
            forced_out[edge.giver] += 1
    receivers = sorted({e.receiver for e in edges})
    givers = sorted({e.giver for e in edges})
    receiver_row = {r: i for i, r in enumerate(receivers)}
    giver_row = {g: i for i, g in enumerate(givers)}
    later_owner = [receiver_row[r] for r in receivers for _ in range(1, max(per_receiver, forced_in[r]))]
    later_rank = [t for r in receivers for t in range(1, max(per_receiver, forced_in[r]))]

    # Variables: each edge as a first introduction [0, n), as a later one [n, 2n), then later slots.
    n, n_later = len(edges), len(later_owner)
    n_vars = 2 * n + n_later
    scores = np.array([e.score for e in edges])
    bonuses = np.array([e.bonus for e in edges])
    first_slot = FIRST_SLOT_BONUS + (per_receiver - 1) * LATER_SLOT_STEP
    cost = np.concatenate([-(first_slot + FIRST_CHOICE_WEIGHT * scores + bonuses),
                           -(scores + bonuses),
                           -np.array([max(per_receiver - 1 - t, 0) * LATER_SLOT_STEP for t in later_rank])])
    edge_receiver = np.array([receiver_row[e.receiver] for e in edges], dtype=np.int64)
    edge_giver = np.array([giver_row[e.giver] for e in edges], dtype=np.int64)
    first, later = np.arange(n), n + np.arange(n)

    # At most one first introduction per receiver; each edge once; each giver at most the cap; a
    # forced edge (lock or pin) taken one way or the other.
    n_receivers, n_givers = len(receivers), len(givers)
    forced = np.array([j for j, e in enumerate(edges) if e.is_forced], dtype=np.int64)
    rows = np.concatenate([edge_receiver,
                           n_receivers + np.arange(n), n_receivers + np.arange(n),
                           n_receivers + n + edge_giver, n_receivers + n + edge_giver,
                           n_receivers + n + n_givers + np.arange(len(forced)),
                           n_receivers + n + n_givers + np.arange(len(forced))])
    cols = np.concatenate([first, first, later, first, later, forced, n + forced])
    values = np.concatenate([np.ones(5 * n), -np.ones(2 * len(forced))])
    upper = sparse.csr_matrix((values, (rows, cols)), shape=(n_receivers + n + n_givers + len(forced), n_vars))
    upper_bounds = np.concatenate([np.ones(n_receivers), np.ones(n),
                                   [max(per_giver, forced_out[g]) for g in givers], -np.ones(len(forced))])
    # Later introductions fill the later slots, which earn a little less each (convex costs).
    equal = sparse.csr_matrix((np.concatenate([np.ones(n), -np.ones(n_later)]),
                               (np.concatenate([edge_receiver, np.array(later_owner, dtype=np.int64)]),
                                np.concatenate([later, 2 * n + np.arange(n_later)]))),
                              shape=(n_receivers, n_vars))
    result = linprog(cost, A_ub=upper, b_ub=upper_bounds, A_eq=equal, b_eq=np.zeros(n_receivers),
                     bounds=(0, 1), method="highs-ds",
                     options={"simplex_dual_edge_weight_strategy": "devex"})
    if result.status != 0:
        raise RuntimeError(f"assignment failed: {result.message}")
    chosen = result.x[:n] + result.x[n:2 * n] > 0.5
    return [edge for edge, keep in zip(edges, chosen) if keep]


def greedy_assign(edges: list[Edge], per_receiver: int, per_giver: int) -> list[Edge]:
    """The naive pass the optimiser is measured against: best score first while caps allow."""
    taken_in: dict[int, int] = defaultdict(int)
    taken_out: dict[int, int] = defaultdict(int)
    chosen = []
    for edge in sorted(edges, key=lambda e: (not e.is_forced, -e.score)):
        if taken_in[edge.receiver] < per_receiver and taken_out[edge.giver] < per_giver:
            chosen.append(edge)
            taken_in[edge.receiver] += 1
            taken_out[edge.giver] += 1
    return chosen
