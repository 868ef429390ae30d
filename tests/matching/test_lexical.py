"""The TF-IDF cosine of content-word stems (lexical.py), against the textbook sum written out here."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from organizer.matching.lexical import TfIdf, content_stems

WORDS = ["tax", "taxes", "bookkeeping", "design", "designer", "logo", "resume", "the", "and", "help", "🙂",
         "mold", "garden", "python", "CV", "CFO", "payroll"]


def textbook(needs: list[str], offers: list[str]) -> np.ndarray:
    """Smoothed IDF over both sides, each document's set of stems, unit rows, dot products."""
    documents = [set(content_stems(t)) for t in needs + offers]
    frequency: dict[str, int] = {}
    for stems in documents:
        for stem in stems:
            frequency[stem] = frequency.get(stem, 0) + 1

    def unit(stems: set[str]) -> dict[str, float]:
        weights = {s: math.log((1 + len(documents)) / (1 + frequency[s])) + 1.0 for s in stems}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {s: w / norm for s, w in weights.items()}
    need_vectors = [unit(d) for d in documents[:len(needs)]]
    offer_vectors = [unit(d) for d in documents[len(needs):]]
    return np.array([[sum(w * o.get(s, 0.0) for s, w in n.items()) for o in offer_vectors]
                     for n in need_vectors]).reshape(len(needs), len(offers))


def test_shared_stems_score_and_function_words_do_not():
    needs = ["help with my taxes", "a logo for the bakery", "the and help", ""]
    offers = ["tax prep", "logo design", "bookkeeping", "🙂"]
    scores = TfIdf(needs, offers).block(0, len(needs))
    assert scores.dtype == np.float32 and scores.shape == (4, 4)
    assert scores[0, 0] > 0.5                  # "taxes" and "tax" share a stem
    assert scores[1, 1] > 0.3 and scores[1, 0] == 0
    assert not scores[2:].any()                # no content words, or no text: nothing in common
    assert not scores[:, 3].any()
    assert np.allclose(scores, textbook(needs, offers), atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), max_size=5).map(" ".join), min_size=1, max_size=12),
       st.lists(st.lists(st.sampled_from(WORDS), max_size=5).map(" ".join), min_size=1, max_size=12),
       st.integers(0, 11), st.integers(1, 12))
def test_any_block_is_the_textbook_cosine(needs, offers, start, length):
    start = min(start, len(needs) - 1)
    stop = min(start + length, len(needs))
    assert np.allclose(TfIdf(needs, offers).block(start, stop), textbook(needs, offers)[start:stop], atol=1e-6)
