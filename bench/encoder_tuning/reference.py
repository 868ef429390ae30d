"""Vectors of the tuned model computed by PyTorch, for the kit's agreement test.

    python bench/encoder_tuning/reference.py organizer/matching/data/offer_need_layers.safetensors \
        tests/matching/fixtures/tuned_reference_vectors.json

Reads the sentences of the published model's reference fixture and embeds them with torch_minilm.py
(which agrees with sentence-transformers on the published weights) and the tuned layers.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from torch_minilm import MiniLM

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "matching" / "fixtures"


def main() -> None:
    sentences = json.loads((FIXTURES / "reference_vectors.json").read_text(encoding="utf-8"))["sentences"]
    vectors = MiniLM(overlay=Path(sys.argv[1])).encode(sentences).detach().numpy()
    Path(sys.argv[2]).write_text(json.dumps(
        {"model": "all-MiniLM-L6-v2 with " + Path(sys.argv[1]).name,
         "computed_by": "bench/encoder_tuning/reference.py (PyTorch)",
         "sentences": sentences, "vectors": [[round(float(x), 6) for x in row] for row in vectors]}), encoding="utf-8")
    print(f"wrote {sys.argv[2]}: {len(sentences)} vectors")


if __name__ == "__main__":
    main()
