"""A light lexical signal: TF-IDF cosine over content-word stems, to back up the embedding."""
from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np
from scipy import sparse

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


def tfidf_matrices(need_texts: list[str], offer_texts: list[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Row-normalised TF-IDF matrices for both sides over one shared vocabulary."""
    documents = [content_stems(t) for t in need_texts] + [content_stems(t) for t in offer_texts]
    vocabulary: dict[str, int] = {}
    frequency: dict[int, int] = {}
    for tokens in documents:
        for token in set(tokens):
            column = vocabulary.setdefault(token, len(vocabulary))
            frequency[column] = frequency.get(column, 0) + 1
    rows, cols, values = [], [], []
    for row, tokens in enumerate(documents):
        for token in set(tokens):
            column = vocabulary[token]
            rows.append(row)
            cols.append(column)
            values.append(math.log((1 + len(documents)) / (1 + frequency[column])) + 1.0)
    matrix = sparse.csr_matrix((np.array(values, np.float32), (rows, cols)),
                               shape=(len(documents), max(1, len(vocabulary))))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(1)).ravel())
    matrix = sparse.diags(1.0 / np.maximum(norms, 1e-9)).dot(matrix).tocsr().astype(np.float32)
    return matrix[: len(need_texts)], matrix[len(need_texts):]
