"""A light lexical signal: TF-IDF cosine over content-word stems, to back up the embedding."""
from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

from .text import normalise_item

_TOKEN = re.compile(r"[a-z0-9]+")
# English function words and answer framing; content words are what is left.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off
on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when
where which while who whom why will with would you your yours yourself yourselves im ive ill id youre dont
cant wont isnt need needs want wants looking help helping happy love would like someone somebody anyone
get getting got really maybe please thanks tips advice make making use using know good great
""".split())


def stem(word: str) -> str:
    """A crude suffix-stripping stem (plural and -ing/-ed forms share one)."""
    for suffix in ("ings", "ing", "ies", "ied", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word


@lru_cache(maxsize=100_000)
def content_stems(text: str) -> tuple[str, ...]:
    """The content-word stems of an item, abbreviations spelled out and typos fixed (cached: a
    long-running server re-matches the same answers)."""
    return tuple(stem(t) for t in _TOKEN.findall(normalise_item(text).lower()) if t not in STOPWORDS and len(t) > 1)


class TfIdf:
    """Row-normalised TF-IDF vectors of both sides over one shared vocabulary; `block` gives the
    cosines of a block of needs with every offer. Each offer's weights are filed under its stems
    (an inverted index), so a block costs as much as the stems the block's needs share with offers."""

    def __init__(self, need_texts: list[str], offer_texts: list[str]) -> None:
        documents = [content_stems(t) for t in need_texts] + [content_stems(t) for t in offer_texts]
        vocabulary: dict[str, int] = {}
        frequency: list[int] = []
        for tokens in documents:
            for token in set(tokens):
                column = vocabulary.setdefault(token, len(vocabulary))
                if column == len(frequency):
                    frequency.append(0)
                frequency[column] += 1
        weighted = []
        for tokens in documents:
            columns = sorted({vocabulary[token] for token in tokens})
            weights = np.array([math.log((1 + len(documents)) / (1 + frequency[c])) + 1.0 for c in columns])
            weighted.append((np.array(columns, np.int64), weights / max(float(np.linalg.norm(weights)), 1e-9)))
        self.needs = weighted[:len(need_texts)]
        self.n_offers = len(offer_texts)
        # Inverted index of the offers: for each stem, the offers that have it and their weights.
        postings: list[list[tuple[int, float]]] = [[] for _ in vocabulary]
        for offer, (columns, weights) in enumerate(weighted[len(need_texts):]):
            for column, weight in zip(columns.tolist(), weights.tolist()):
                postings[column].append((offer, weight))
        lengths = np.array([len(p) for p in postings], np.int64)
        self._start = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self._offer = np.array([o for p in postings for o, _ in p], np.int64)
        self._weight = np.array([w for p in postings for _, w in p], np.float64)

    def block(self, start: int, stop: int) -> np.ndarray:
        """Cosines of needs start..stop-1 with every offer, as a dense (rows, offers) float32 array."""
        rows = stop - start
        need_row = np.concatenate([np.full(len(self.needs[i][0]), i - start, np.int64) for i in range(start, stop)]
                                  + [np.zeros(0, np.int64)])
        columns = np.concatenate([self.needs[i][0] for i in range(start, stop)] + [np.zeros(0, np.int64)])
        weights = np.concatenate([self.needs[i][1] for i in range(start, stop)] + [np.zeros(0)])
        # Every (need stem, offer with that stem) pair: the postings of each stem, laid end to end.
        counts = self._start[columns + 1] - self._start[columns]
        total = int(counts.sum())
        first = np.repeat(self._start[columns] - (np.cumsum(counts) - counts), counts) + np.arange(total)
        cells = np.repeat(need_row, counts) * self.n_offers + self._offer[first]
        products = np.repeat(weights, counts) * self._weight[first]
        dense = np.bincount(cells, products, minlength=rows * self.n_offers)
        return dense.reshape(rows, self.n_offers).astype(np.float32)
