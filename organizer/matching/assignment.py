"""Assignment as a min-cost flow, solved as a linear programme (HiGHS): caps, fairness, locks and pins."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np

# highspy's own Highs subclass switches its callbacks on as it is built, which prints HiGHS's banner
# on stdout before any option can silence it; `pif match --json` keeps stdout for the JSON. Its
# base class is the solver itself, without the Python callbacks the kit does not use.
from highspy._core import _Highs

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
    n_upper = n_receivers + n + n_givers + len(forced)
    upper_bounds = np.concatenate([np.ones(n_receivers), np.ones(n),
                                   [max(per_giver, forced_out[g]) for g in givers], -np.ones(len(forced))])
    # Later introductions fill the later slots, which earn a little less each (convex costs): for each
    # receiver, its later introductions minus its filled later slots is 0.
    rows = np.concatenate([rows, n_upper + edge_receiver, n_upper + np.array(later_owner, dtype=np.int64)])
    cols = np.concatenate([cols, later, 2 * n + np.arange(n_later)])
    values = np.concatenate([values, np.ones(n), -np.ones(n_later)])
    lower_bounds = np.concatenate([np.full(n_upper, -highspy.kHighsInf), np.zeros(n_receivers)])
    upper_bounds = np.concatenate([upper_bounds, np.zeros(n_receivers)])
    x = _solve(cost, rows, cols, values, lower_bounds, upper_bounds)
    chosen = x[:n] + x[n:2 * n] > 0.5
    return [edge for edge, keep in zip(edges, chosen) if keep]


def _solve(cost: np.ndarray, rows: np.ndarray, cols: np.ndarray, values: np.ndarray,
           row_lower: np.ndarray, row_upper: np.ndarray) -> np.ndarray:
    """Minimise cost · x for 0 ≤ x ≤ 1 and row_lower ≤ A x ≤ row_upper (A given by its nonzeros, each
    (row, column) once) with HiGHS's dual simplex; the vertex it returns."""
    order = np.argsort(rows, kind="stable")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(cost), len(row_lower)
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_, lp.col_upper_ = np.zeros(len(cost)), np.ones(len(cost))
    lp.row_lower_, lp.row_upper_ = row_lower.astype(np.float64), row_upper.astype(np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    per_row = np.bincount(rows, minlength=len(row_lower))
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int32)
    lp.a_matrix_.index_ = cols[order].astype(np.int32)
    lp.a_matrix_.value_ = values[order].astype(np.float64)
    solver = _Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("solver", "simplex")
    solver.setOptionValue("simplex_strategy", 1)                   # dual simplex
    solver.setOptionValue("simplex_dual_edge_weight_strategy", 1)  # devex pricing
    solver.passModel(lp)
    solver.run()
    status = solver.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"assignment failed: {solver.modelStatusToString(status)}")
    return np.array(solver.getSolution().col_value)


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
