"""The NumPy forward pass agrees with the reference sentence-transformers (PyTorch) implementation, and,
with the kit's tuned top layers, with the PyTorch pass those layers were trained in."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from organizer.matching.encoder import (
    TUNED_LAYERS,
    SentenceEncoder,
    read_safetensors,
    shared_encoder,
    with_tuned_layers,
)

FIXTURE = Path(__file__).parent / "fixtures" / "reference_vectors.json"
# Written by bench/encoder_tuning/reference.py: the same sentences through PyTorch with the tuned layers.
TUNED_FIXTURE = Path(__file__).parent / "fixtures" / "tuned_reference_vectors.json"


def agrees(actual: np.ndarray, fixture: Path) -> None:
    reference = json.loads(fixture.read_text(encoding="utf-8"))
    expected = np.array(reference["vectors"], dtype=np.float32)
    assert actual.shape == expected.shape
    cosine = (actual * expected).sum(1)
    assert cosine.min() > 0.9999
    assert np.abs(actual - expected).max() < 2e-3


def test_numpy_encoder_matches_reference_vectors():
    """The published model, read by the NumPy pass, gives sentence-transformers' vectors."""
    sentences = json.loads(FIXTURE.read_text(encoding="utf-8"))["sentences"]
    agrees(SentenceEncoder(tuned=False).encode(sentences), FIXTURE)


def test_tuned_encoder_matches_its_pytorch_vectors():
    """The kit's encoder (tuned top layers) gives the vectors PyTorch gives with the same weights."""
    sentences = json.loads(TUNED_FIXTURE.read_text(encoding="utf-8"))["sentences"]
    agrees(shared_encoder().encode(sentences), TUNED_FIXTURE)


def test_tuned_layers_replace_only_top_layers_and_change_the_vectors():
    tuned = read_safetensors(TUNED_LAYERS)
    layers = {name.split(".")[2] for name in tuned}
    assert tuned and all(name.startswith("encoder.layer.") for name in tuned)
    assert layers <= {"3", "4", "5"}  # the word-piece embeddings and lower layers are as published
    sentences = json.loads(FIXTURE.read_text(encoding="utf-8"))["sentences"]
    cosine = (shared_encoder().encode(sentences) * SentenceEncoder(tuned=False).encode(sentences)).sum(1)
    assert cosine.max() < 0.999  # the kit really runs the tuned layers
    assert cosine.min() > 0.5    # and they refine the model rather than replace it


def test_a_tuned_matrix_stored_as_an_8_bit_change_is_the_published_one_plus_it():
    published = {"w": np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32), "b": np.zeros(2, np.float32)}
    tuned = {"w.delta": np.array([[127, -1], [0, 64]], dtype=np.int8),
             "w.delta_scale": np.array([0.01, 0.5], dtype=np.float32),
             "b": np.array([0.5, -0.5], dtype=np.float16)}
    weights = with_tuned_layers(published, tuned)
    assert np.allclose(weights["w"], [[2.27, 1.99], [3.0, 36.0]])
    assert np.allclose(weights["b"], [0.5, -0.5])
    assert set(weights) == {"w", "b"}
    with pytest.raises(ValueError, match="lacks: x"):
        with_tuned_layers(published, {"x.delta": tuned["w.delta"], "x.delta_scale": tuned["w.delta_scale"]})


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
    agrees(threaded, TUNED_FIXTURE)
