"""Offer-item × need-item similarity: blocked matrix products, hubness correction, best pair per guest pair."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .analysis import AnswerAnalysis
from .direction import directions_clash

BLOCK_ROWS = 1024


@dataclass(frozen=True)
class ScoringParams:
    """Knobs of the similarity score (defaults calibrated on the development benchmark)."""

    hub_neighbours: int = 10
    hub_weight: float = 0.5
    clash_penalty: float = 0.35
    vague_from: float = 0.4
    vague_weight: float = 1.0
    candidates_per_need: int = 60
    min_score: float = 0.05


@dataclass(frozen=True)
class Candidate:
    """One possible introduction with the item pair that earned its score."""

    giver: int
    receiver: int
    score: float
    offer_item: str
    need_item: str


def _stack(analyses: list[AnswerAnalysis], side: str):
    owners, texts, flags, vague, vectors = [], [], [], [], []
    for index, analysis in enumerate(analyses):
        items = getattr(analysis, side)
        owners.extend([index] * len(items.texts))
        texts.extend(items.texts)
        flags.extend(items.flags)
        vague.extend(items.vagueness)
        vectors.append(items.vectors)
    matrix = np.vstack(vectors).astype(np.float32) if vectors else np.zeros((0, 384), np.float32)
    return (np.array(owners, dtype=np.int64), texts, np.array(flags, dtype=np.int64),
            np.array(vague, dtype=np.float32), matrix)


def _unique_rows(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the first row of each distinct text, and each row's distinct-text number."""
    first: dict[str, int] = {}
    inverse = np.array([first.setdefault(t.lower(), len(first)) for t in texts], dtype=np.int64)
    representatives = np.zeros(len(first), dtype=np.int64)
    representatives[inverse[::-1]] = np.arange(len(texts))[::-1]
    return representatives, inverse


def _hubness(need_vectors: np.ndarray, offer_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean similarity of each item to its k nearest items on the other side (CSLS-style)."""
    n_need, n_offer = len(need_vectors), len(offer_vectors)
    need_hub = np.zeros(n_need, np.float32)
    k_offer = max(1, min(k, n_need))
    k_need = max(1, min(k, n_offer))
    column_top = np.full((0, n_offer), -1.0, np.float32)
    for start in range(0, n_need, BLOCK_ROWS):
        sims = need_vectors[start:start + BLOCK_ROWS] @ offer_vectors.T
        need_hub[start:start + BLOCK_ROWS] = -np.partition(-sims, k_need - 1, axis=1)[:, :k_need].mean(1)
        merged = np.vstack([column_top, sims])
        column_top = -np.partition(-merged, min(k_offer, len(merged)) - 1, axis=0)[:k_offer]
    return need_hub, column_top.mean(0)


def score_candidates(analyses: list[AnswerAnalysis], params: ScoringParams = ScoringParams()
                     ) -> dict[int, list[Candidate]]:
    """For each receiver, candidate givers with their best offer-item × need-item score, best first."""
    offer_owner, offer_texts, offer_flags, offer_vague, offer_vectors = _stack(analyses, "offers")
    need_owner, need_texts, need_flags, need_vague, need_vectors = _stack(analyses, "needs")
    if not len(offer_texts) or not len(need_texts):
        return {}
    # Hubness is measured over distinct texts so a phrase many guests share does not look generic.
    offer_rep, offer_inv = _unique_rows(offer_texts)
    need_rep, need_inv = _unique_rows(need_texts)
    need_hub_u, offer_hub_u = _hubness(need_vectors[need_rep], offer_vectors[offer_rep], params.hub_neighbours)
    need_hub, offer_hub = need_hub_u[need_inv], offer_hub_u[offer_inv]

    offer_penalty = params.vague_weight * np.maximum(offer_vague - params.vague_from, 0.0)
    need_penalty = params.vague_weight * np.maximum(need_vague - params.vague_from, 0.0)
    best: dict[tuple[int, int], Candidate] = {}
    per_need = min(params.candidates_per_need, len(offer_texts))
    for start in range(0, len(need_texts), BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, len(need_texts))
        sims = need_vectors[start:stop] @ offer_vectors.T
        sims -= params.hub_weight * 0.5 * (need_hub[start:stop, None] + offer_hub[None, :])
        sims -= need_penalty[start:stop, None] + offer_penalty[None, :]
        clash = (((offer_flags[None, :] & 1) > 0) & ((need_flags[start:stop, None] & 1) > 0)) | (
            ((offer_flags[None, :] & 4) > 0) & ((need_flags[start:stop, None] & 2) > 0))
        sims[clash] -= params.clash_penalty
        sims[need_owner[start:stop, None] == offer_owner[None, :]] = -np.inf
        top = np.argpartition(-sims, per_need - 1, axis=1)[:, :per_need]
        for row, columns in enumerate(top):
            need_index = start + row
            receiver = int(need_owner[need_index])
            for column in columns:
                score = float(sims[row, column])
                if score < params.min_score:
                    continue
                giver = int(offer_owner[column])
                key = (giver, receiver)
                current = best.get(key)
                if current is None or score > current.score:
                    best[key] = Candidate(giver, receiver, score, offer_texts[column], need_texts[need_index])
    by_receiver: dict[int, list[Candidate]] = {}
    for candidate in best.values():
        by_receiver.setdefault(candidate.receiver, []).append(candidate)
    for candidates in by_receiver.values():
        candidates.sort(key=lambda c: -c.score)
    return by_receiver


def clashing(offer_flags: int, need_flags: int) -> bool:
    """True when an offer and a need sit on the same side of a hire."""
    return directions_clash(offer_flags, need_flags)
