"""Offer-item × need-item similarity: blocked matrix products over distinct items, best pair per guest pair."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .analysis import DIMENSIONS, AnswerAnalysis
from .lexical import tfidf_matrices

BLOCK_ROWS = 1024
HIRING, JOB_SEEKING, OFFERS_CANDIDATES = 1, 2, 4


@dataclass(frozen=True)
class ScoringParams:
    """Knobs of the similarity score (defaults calibrated on the development benchmark)."""

    hub_neighbours: int = 10
    hub_weight: float = 0.5
    clash_penalty: float = 1.0
    vague_from: float = 0.4
    vague_weight: float = 1.0
    smooth_neighbours: int = 5
    smooth_weight: float = 0.0
    smooth_floor: float = 0.5
    lexical_weight: float = 0.1
    context_weight: float = 0.0
    givers_per_need: int = 40
    min_score: float = 0.05


@dataclass(frozen=True)
class Candidate:
    """One possible introduction with the item pair that earned its score."""

    giver: int
    receiver: int
    score: float
    offer_item: str
    need_item: str


@dataclass
class _Side:
    """The items of one side (offers or needs), grouped by distinct text."""

    owners: list[list[int]]          # per distinct text: guests who wrote it
    texts: list[str]                 # per distinct text: how it was first written
    flags: np.ndarray
    vagueness: np.ndarray
    vectors: np.ndarray


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
    return _Side(owners, texts, np.array(flags, np.int64), np.array(vague, np.float32), matrix)


def _top_k_mean(left: np.ndarray, right: np.ndarray, k: int) -> np.ndarray:
    """For each row of left, the mean of its k highest similarities to rows of right."""
    out = np.zeros(len(left), np.float32)
    k = max(1, min(int(k), len(right)))
    for start in range(0, len(left), BLOCK_ROWS):
        sims = left[start:start + BLOCK_ROWS] @ right.T
        out[start:start + BLOCK_ROWS] = -np.partition(-sims, k - 1, axis=1)[:, :k].mean(1)
    return out


def _smoothed(vectors: np.ndarray, k: int, weight: float, floor: float) -> np.ndarray:
    """Blend each vector with its close neighbours on the same side (the party's own paraphrases)."""
    if weight <= 0 or len(vectors) < 2:
        return vectors
    k = min(k, len(vectors) - 1)
    out = np.empty_like(vectors)
    for start in range(0, len(vectors), BLOCK_ROWS):
        block = vectors[start:start + BLOCK_ROWS]
        sims = block @ vectors.T
        rows = np.arange(len(block))
        sims[rows, start + rows] = -1.0
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        weights = np.take_along_axis(sims, nearest, axis=1)
        weights = np.where(weights >= floor, weights, 0.0)
        total = weights.sum(1, keepdims=True)
        neighbour_mean = np.einsum("bk,bkd->bd", weights, vectors[nearest]) / np.maximum(total, 1e-9)
        mixed = np.where(total > 0, (1 - weight) * block + weight * neighbour_mean, block)
        out[start:start + BLOCK_ROWS] = mixed / np.linalg.norm(mixed, axis=1, keepdims=True)
    return out


def _adjusted_scores(needs: _Side, offers: _Side, need_vectors: np.ndarray, offer_vectors: np.ndarray,
                     start: int, stop: int, need_hub: np.ndarray, offer_hub: np.ndarray,
                     params: ScoringParams, lexical) -> np.ndarray:
    sims = need_vectors[start:stop] @ offer_vectors.T
    if lexical is not None:
        sims += params.lexical_weight * (lexical[0][start:stop] @ lexical[1].T).toarray()
    sims -= params.hub_weight * 0.5 * (need_hub[start:stop, None] + offer_hub[None, :])
    sims -= params.vague_weight * np.maximum(needs.vagueness[start:stop, None] - params.vague_from, 0.0)
    sims -= params.vague_weight * np.maximum(offers.vagueness[None, :] - params.vague_from, 0.0)
    need_flags = needs.flags[start:stop, None]
    # Two employers ("we're hiring X" / "need to hire X" or "need X candidates"), or candidates offered
    # to a job seeker: the same words, opposite sides of a hire.
    clash = (((offers.flags[None, :] & HIRING) > 0) & ((need_flags & (HIRING | OFFERS_CANDIDATES)) > 0)) | (
        ((offers.flags[None, :] & OFFERS_CANDIDATES) > 0) & ((need_flags & JOB_SEEKING) > 0))
    sims[clash] -= params.clash_penalty
    return sims


@dataclass
class ScoredParty:
    """Candidates per receiver (best first) and, per guest, each need item's best score anywhere."""

    by_receiver: dict[int, list[Candidate]]
    # guest -> [(need item, best score anywhere, vagueness, flags)]
    need_best: dict[int, list[tuple[str, float, float, int]]]


def _answer_means(analyses: list[AnswerAnalysis]) -> tuple[np.ndarray, np.ndarray]:
    """Each guest's whole offer and whole need answer as the unit mean of its item vectors."""
    def mean_of(vectors: np.ndarray) -> np.ndarray:
        if not len(vectors):
            return np.zeros(DIMENSIONS, np.float32)
        mean = vectors.mean(0)
        return mean / max(float(np.linalg.norm(mean)), 1e-9)
    return (np.array([mean_of(a.offers.vectors) for a in analyses], np.float32).reshape(-1, DIMENSIONS),
            np.array([mean_of(a.needs.vectors) for a in analyses], np.float32).reshape(-1, DIMENSIONS))


def score_candidates(analyses: list[AnswerAnalysis], params: ScoringParams = ScoringParams()) -> ScoredParty:
    """For each receiver, candidate givers with their best offer-item × need-item score, best first."""
    offers, needs = _group(analyses, "offers"), _group(analyses, "needs")
    need_best: dict[int, list[tuple[str, float, float, int]]] = {}
    if not needs.texts:
        return ScoredParty({}, need_best)
    if not offers.texts:
        for need, owners in enumerate(needs.owners):
            for guest in owners:
                need_best.setdefault(guest, []).append((needs.texts[need], -1.0, float(needs.vagueness[need]),
                                                        int(needs.flags[need])))
        return ScoredParty({}, need_best)
    offer_vectors = _smoothed(offers.vectors, params.smooth_neighbours, params.smooth_weight, params.smooth_floor)
    need_vectors = _smoothed(needs.vectors, params.smooth_neighbours, params.smooth_weight, params.smooth_floor)
    need_hub = _top_k_mean(need_vectors, offer_vectors, params.hub_neighbours)
    offer_hub = _top_k_mean(offer_vectors, need_vectors, params.hub_neighbours)

    lexical = tfidf_matrices(needs.texts, offers.texts) if params.lexical_weight else None
    offer_context, need_context = _answer_means(analyses)
    best: dict[tuple[int, int], Candidate] = {}
    for start in range(0, len(needs.texts), BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, len(needs.texts))
        sims = _adjusted_scores(needs, offers, need_vectors, offer_vectors, start, stop, need_hub, offer_hub,
                                params, lexical)
        order = np.argsort(-sims, axis=1)[:, :params.givers_per_need]
        for row in range(stop - start):
            need = start + row
            for receiver in needs.owners[need]:
                top_score = next((float(sims[row, c]) for c in order[row]
                                  if any(g != receiver for g in offers.owners[c])), -1.0)
                need_best.setdefault(receiver, []).append((needs.texts[need], top_score,
                                                           float(needs.vagueness[need]), int(needs.flags[need])))
                found = 0
                for column in order[row]:
                    score = float(sims[row, column])
                    if score < params.min_score or found >= params.givers_per_need:
                        break
                    for giver in offers.owners[column]:
                        if giver == receiver:
                            continue
                        found += 1
                        if params.context_weight:
                            score = float(sims[row, column]) + params.context_weight * float(
                                offer_context[giver] @ need_context[receiver])
                        key = (giver, receiver)
                        current = best.get(key)
                        if current is None or score > current.score:
                            best[key] = Candidate(giver, receiver, score, offers.texts[column], needs.texts[need])
    by_receiver: dict[int, list[Candidate]] = {}
    for candidate in best.values():
        by_receiver.setdefault(candidate.receiver, []).append(candidate)
    for candidates in by_receiver.values():
        candidates.sort(key=lambda c: -c.score)
    return ScoredParty(by_receiver, need_best)
