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


@dataclass(frozen=True)
class Edge:
    """A candidate introduction between two guest indices."""

    giver: int
    receiver: int
    score: float
    is_forced: bool = False  # a host lock or pin: always kept
    bonus: float = 0.0       # extra weight in the optimiser only (e.g. covering another of the receiver's needs)


def assign(edges: list[Edge], per_receiver: int, per_giver: int) -> list[Edge]:
    """Pick edges maximising score under the caps, filling receivers' first slots before later ones."""
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
    giver_row = {g: len(receivers) + i for i, g in enumerate(givers)}
    slots = {r: max(per_receiver, forced_in[r]) for r in receivers}

    n_edges = len(edges)
    slot_owner = [r for r in receivers for _ in range(slots[r])]
    slot_rank = [t for r in receivers for t in range(slots[r])]
    n_vars = n_edges + len(slot_owner)
    cost = np.empty(n_vars)
    cost[:n_edges] = [-(e.score + e.bonus) for e in edges]
    cost[n_edges:] = [-(FIRST_SLOT_BONUS + (per_receiver - 1) * LATER_SLOT_STEP) if t == 0
                      else -max(per_receiver - 1 - t, 0) * LATER_SLOT_STEP for t in slot_rank]
    lower = np.zeros(n_vars)
    lower[:n_edges] = [1.0 if e.is_forced else 0.0 for e in edges]

    # Receiver rows: chosen edges - used slots = 0.  Giver rows: chosen edges <= cap.
    rows, cols, values = [], [], []
    for j, edge in enumerate(edges):
        rows += [receiver_row[edge.receiver], giver_row[edge.giver]]
        cols += [j, j]
        values += [1.0, 1.0]
    for k, owner in enumerate(slot_owner):
        rows.append(receiver_row[owner])
        cols.append(n_edges + k)
        values.append(-1.0)
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(receivers) + len(givers), n_vars))
    upper_rows = np.zeros(len(receivers) + len(givers))
    lower_rows = np.zeros(len(receivers) + len(givers))
    for g, row in giver_row.items():
        upper_rows[row] = max(per_giver, forced_out[g])
        lower_rows[row] = -np.inf
    equality = matrix[: len(receivers)]
    inequality = matrix[len(receivers):]
    result = linprog(cost, A_ub=inequality, b_ub=upper_rows[len(receivers):], A_eq=equality,
                     b_eq=np.zeros(len(receivers)), bounds=np.column_stack([lower, np.ones(n_vars)]),
                     method="highs-ds")
    if result.status != 0:
        raise RuntimeError(f"assignment failed: {result.message}")
    # A network-flow LP has integral vertices; the dual simplex returns one.
    chosen = result.x[:n_edges] > 0.5
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
