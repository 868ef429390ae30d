"""Offer-item × need-item similarity: blocked matrix products over distinct items, best pair per guest pair."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .analysis import DIMENSIONS, AnswerAnalysis
from .direction import ABOUT_CANDIDATES, HIRING, JOB_SEEKING, withdraws_offer
from .lexical import TfIdf

BLOCK_ROWS = 1024


@dataclass(frozen=True)
class ScoringParams:
    """Knobs of the similarity score (defaults calibrated on the development benchmark)."""

    hub_neighbours: int = 10      # CSLS: subtract how close each item is to its k nearest on the other side
    hub_weight: float = 0.5
    clash_penalty: float = 1.0    # offer and need both from an employer ("hiring X" / "need to hire X")
    seeker_clash_penalty: float = 0.3  # candidates or recruiting offered to someone who wants a job
    vague_from: float = 0.55      # items this close to "anything at all" are small talk
    vague_weight: float = 1.0
    lexical_weight: float = 0.1   # TF-IDF cosine of content-word stems
    givers_per_need: int = 20      # 40 until 26 Nov: the same figures within 0.004, a fifth less time
    # Per-party calibration: the mean adjusted score of all need × offer pairs drifts with party size
    # (fewer near neighbours in a small party means a smaller hubness correction). Scores are shifted
    # so that this mean sits at `reference_mean`, and the thresholds mean the same at any size.
    centre_weight: float = 1.0
    reference_mean: float = 0.0
    max_shift: float = 0.06
    min_score: float = 0.05


class Candidate(NamedTuple):
    """One possible introduction with the item pair that earned its score. (A named tuple: a
    party of 1 000 guests makes some 60 000, and a tuple is built three times faster than a
    frozen dataclass.)"""

    giver: int
    receiver: int
    score: float
    offer_item: str
    need_item: str


@dataclass
class ScoredParty:
    """Candidates per receiver (best first) and, per guest, each need item's best score anywhere."""

    by_receiver: dict[int, list[Candidate]]
    # guest -> [(need item, best score anywhere, vagueness, flags)]
    need_best: dict[int, list[tuple[str, float, float, int]]]


@dataclass
class _Side:
    """The items of one side (offers or needs), grouped by distinct text."""

    owners: list[list[int]]          # per distinct text: guests who wrote it
    texts: list[str]                 # per distinct text: how it was first written
    flags: np.ndarray
    vagueness: np.ndarray
    vectors: np.ndarray
    withdrawn: np.ndarray | None = None  # offers only: "I no longer do bookkeeping"


def _group(analyses: list[AnswerAnalysis], side: str) -> _Side:
    index: dict[str, int] = {}
    owners: list[list[int]] = []
    texts: list[str] = []
    flags: list[int] = []
    vague: list[float] = []
    vectors: list[np.ndarray] = []
    for guest, analysis in enumerate(analyses):
        items = getattr(analysis, side)
        for text, flag, vagueness, vector in zip(items.texts, items.flags, items.vagueness, items.vectors):
            key = text.lower()
            if key not in index:
                index[key] = len(texts)
                owners.append([])
                texts.append(text)
                flags.append(flag)
                vague.append(vagueness)
                vectors.append(vector)
            row = owners[index[key]]
            if not row or row[-1] != guest:
                row.append(guest)
    matrix = np.vstack(vectors).astype(np.float32) if vectors else np.zeros((0, DIMENSIONS), np.float32)
    withdrawn = np.array([withdraws_offer(t) for t in texts], bool) if side == "offers" else None
    return _Side(owners, texts, np.array(flags, np.int64), np.array(vague, np.float32), matrix, withdrawn)


def _hubness(left: np.ndarray, right: np.ndarray, k: int) -> np.ndarray:
    """For each row of left: the mean of its k highest similarities to right (CSLS)."""
    mean = np.zeros(len(left), np.float32)
    k = max(1, min(int(k), len(right)))
    for start in range(0, len(left), BLOCK_ROWS):
        sims = left[start:start + BLOCK_ROWS] @ right.T
        mean[start:start + BLOCK_ROWS] = -np.partition(-sims, k - 1, axis=1)[:, :k].mean(1)
    return mean


def _adjusted_scores(needs: _Side, offers: _Side, start: int, stop: int, need_hub: np.ndarray,
                     offer_hub: np.ndarray, params: ScoringParams, lexical) -> np.ndarray:
    """Adjusted scores of a block of needs against every offer."""
    sims = needs.vectors[start:stop] @ offers.vectors.T
    if lexical is not None:
        sims += params.lexical_weight * lexical.block(start, stop)
    sims -= params.hub_weight * 0.5 * (need_hub[start:stop, None] + offer_hub[None, :])
    sims -= params.vague_weight * np.maximum(needs.vagueness[start:stop, None] - params.vague_from, 0.0)
    sims -= params.vague_weight * np.maximum(offers.vagueness[None, :] - params.vague_from, 0.0)
    need_flags = needs.flags[start:stop, None]
    # Two employers ("we're hiring X" / "need to hire X" or "need X candidates"), or candidates offered
    # to a job seeker: the same words, the same side of a hire.
    employers = ((offers.flags[None, :] & HIRING) > 0) & ((need_flags & (HIRING | ABOUT_CANDIDATES)) > 0)
    seekers = ((offers.flags[None, :] & ABOUT_CANDIDATES) > 0) & ((need_flags & JOB_SEEKING) > 0)
    sims[employers] -= params.clash_penalty
    sims[seekers & ~employers] -= params.seeker_clash_penalty
    if offers.withdrawn is not None and offers.withdrawn.any():
        # An offer its writer takes back is no offer: it shares every word with the need it used to
        # serve ("I no longer do bookkeeping" / "a bookkeeper" scored 0.43, strong).
        sims[:, offers.withdrawn] -= params.clash_penalty
    return sims


def score_candidates(analyses: list[AnswerAnalysis], params: ScoringParams = ScoringParams(),
                     allowed: Callable[[int, int], bool] | None = None) -> ScoredParty:
    """For each receiver, candidate givers with their best offer-item × need-item score, best first.
    A need's best score anywhere (`need_best`) counts only givers `allowed(giver, receiver)` lets
    meet the receiver (default: anyone but the receiver)."""
    offers, needs = _group(analyses, "offers"), _group(analyses, "needs")
    need_best: dict[int, list[tuple[str, float, float, int]]] = {}
    if not needs.texts or not offers.texts:
        for need, owners in enumerate(needs.owners):
            for guest in owners:
                need_best.setdefault(guest, []).append((needs.texts[need], -1.0, float(needs.vagueness[need]),
                                                        int(needs.flags[need])))
        return ScoredParty({}, need_best)
    need_hub = _hubness(needs.vectors, offers.vectors, params.hub_neighbours)
    offer_hub = _hubness(offers.vectors, needs.vectors, params.hub_neighbours)
    lexical = TfIdf(needs.texts, offers.texts) if params.lexical_weight else None
    # Mean of raw cosines over all pairs is the dot product of the two sides' mean vectors.
    party_mean = (float(needs.vectors.mean(0) @ offers.vectors.mean(0))
                  - params.hub_weight * 0.5 * (float(need_hub.mean()) + float(offer_hub.mean())))
    # Clipped: in a party of a handful of guests the mean says little.
    shift = params.centre_weight * float(np.clip(party_mean - params.reference_mean, -params.max_shift,
                                                 params.max_shift))

    best: dict[tuple[int, int], Candidate] = {}
    # Plain Python values and locals for the loop below, which runs some 100 000 times.
    need_texts, offer_texts, offer_owners = needs.texts, offers.texts, offers.owners
    need_vagueness, need_flags = needs.vagueness.tolist(), needs.flags.tolist()
    min_score, givers_per_need = params.min_score, params.givers_per_need
    for start in range(0, len(needs.texts), BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, len(needs.texts))
        sims = _adjusted_scores(needs, offers, start, stop, need_hub, offer_hub, params, lexical)
        sims -= shift
        # The best columns of each row: a partial sort, then a full sort of those few only.
        width = min(params.givers_per_need, sims.shape[1])
        order = np.argpartition(-sims, width - 1, axis=1)[:, :width]
        order = np.take_along_axis(order, np.argsort(-np.take_along_axis(sims, order, 1), axis=1), 1)
        top_sims = np.take_along_axis(sims, order, 1).tolist()
        order = order.tolist()
        for row in range(stop - start):
            need = start + row
            need_text = need_texts[need]
            columns, scores = order[row], top_sims[row]
            for receiver in needs.owners[need]:
                top_score = next((scores[i] for i, c in enumerate(columns)
                                  if any(g != receiver and (allowed is None or allowed(g, receiver))
                                         for g in offer_owners[c])), -1.0)
                need_best.setdefault(receiver, []).append((need_text, top_score, need_vagueness[need],
                                                           need_flags[need]))
                found = 0
                for column, score in zip(columns, scores):
                    if score < min_score or found >= givers_per_need:
                        break
                    owners = offer_owners[column]
                    # Guests who wrote the same offer tie for this need. Each receiver meets them
                    # in a different order, so receivers who share a need are not all handed the
                    # same few of them, whose places would fill while the others go unused.
                    if len(owners) > 1:
                        turn = (receiver * 7919) % len(owners)
                        owners = owners[turn:] + owners[:turn]
                    for giver in owners:
                        if giver == receiver:
                            continue
                        found += 1
                        key = (giver, receiver)
                        current = best.get(key)
                        if current is None or score > current.score:
                            best[key] = Candidate(giver, receiver, score, offer_texts[column], need_text)
    by_receiver: dict[int, list[Candidate]] = {}
    for candidate in best.values():
        by_receiver.setdefault(candidate.receiver, []).append(candidate)
    for candidates in by_receiver.values():
        candidates.sort(key=lambda c: -c.score)
    return ScoredParty(by_receiver, need_best)
