"""The NumPy forward pass agrees with the reference sentence-transformers (PyTorch) implementation."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from organizer.matching.encoder import shared_encoder

FIXTURE = Path(__file__).parent / "fixtures" / "reference_vectors.json"


def test_numpy_encoder_matches_reference_vectors():
    reference = json.loads(FIXTURE.read_text(encoding="utf-8"))
    expected = np.array(reference["vectors"], dtype=np.float32)
    actual = shared_encoder().encode(reference["sentences"])
    assert actual.shape == expected.shape
    cosine = (actual * expected).sum(1)
    assert cosine.min() > 0.9999
    assert np.abs(actual - expected).max() < 2e-3


def test_batches_do_not_change_vectors():
    encoder = shared_encoder()
    texts = ["resume reviews", "help with my taxes this spring", "dog sitting", "a"]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert np.abs(together - alone).max() < 1e-4
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_batches_on_several_threads_give_the_same_vectors(monkeypatch):
    """Many small batches spread over threads (single-threaded BLAS each) land in the right
    rows: the same vectors as each text embedded alone, and as the reference."""
    from organizer.matching import encoder as module
    reference = json.loads(FIXTURE.read_text(encoding="utf-8"))
    texts = reference["sentences"]
    monkeypatch.setattr(module, "_cores", lambda: 3)
    batches = module._length_batches(shared_encoder().token_ids(texts), 24)
    assert len(batches) >= 3  # really several batches, so really several threads
    threaded = shared_encoder().encode(texts, batch_tokens=24)
    monkeypatch.setattr(module, "_cores", lambda: 1)
    alone = np.vstack([shared_encoder().encode([t]) for t in texts])
    assert np.abs(threaded - alone).max() < 1e-4
    expected = np.array(reference["vectors"], dtype=np.float32)
    assert (threaded * expected).sum(1).min() > 0.9999
