"""How vague an item is: its closeness to statements that name no particular skill or need."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

# Written for this kit: ways of saying "nothing in particular". An item close to these is small talk,
# not something a guest can be introduced for.
GENERIC_STATEMENTS = (
    "anything at all",
    "whatever you need",
    "happy to help however I can",
    "just ask me",
    "not sure yet",
    "open to whatever",
    "meeting new people",
    "networking in general",
    "good company and fun",
    "chatting over a drink",
    "general encouragement",
    "I like to talk",
    "nothing specific",
    "some advice",
    "see what happens",
)


@lru_cache(maxsize=4)
def _generic_vectors(template: str) -> np.ndarray:
    from .encoder import shared_encoder
    return shared_encoder().encode([template.format(s) for s in GENERIC_STATEMENTS])


def vagueness(vectors: np.ndarray, template: str = "{}") -> np.ndarray:
    """For each item vector, its highest similarity to a generic statement (0..1), the statements set in
    the same template as the items were."""
    if not len(vectors):
        return np.zeros(0, np.float32)
    return np.clip((vectors @ _generic_vectors(template).T).max(1), 0.0, 1.0).astype(np.float32)
