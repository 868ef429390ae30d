"""Per-guest answer analysis: items, their normalised text, direction and embedding, storable as bytes."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .direction import JOB_SEEKING, direction_flags
from .text import answer_spans, clean_text, normalise_item, split_answer, strip_framing
from .vagueness import vagueness

# 5: more job-seeking and candidate idioms; 6: an "and" that continues a clause does not split;
# 7: words in any script count; 8: the encoder's top layers tuned for offers and needs; 9: a clause
# that asks for work marks its parts; 10: the top layers tuned on 650 topics; 11: layers 3-5 tuned on
# 1 000 topics; 12: "staffing up" / "staffed up" read as hiring, as "staff up" was; 13: "and I" / "and
# we" opening a clause of its own ends an item, "my wife and I" stays one subject.
ANALYSIS_VERSION = 13
WHOLE_CLAUSE = 8  # flag bit: a multi-part clause kept whole beside its parts
DIMENSIONS = 384
# Each item is embedded inside a plain sentence that says which side it is on. The model was trained
# on question/answer and request/reply pairs, so a need read as a request and an offer read as a reply
# meet more often than the bare phrases do (measured in docs/matching.md). The wording is generic.
NEED_TEMPLATE = "Who can help me with {}?"
OFFER_TEMPLATE = "I can help you with {}."


@dataclass(frozen=True)
class AnswerItems:
    """The items of one answer: the words the guest wrote, and one unit vector per item."""

    texts: tuple[str, ...]
    flags: tuple[int, ...]
    vagueness: tuple[float, ...]
    vectors: np.ndarray = field(repr=False)

    @classmethod
    def empty(cls) -> "AnswerItems":
        """No items."""
        return cls((), (), (), np.zeros((0, DIMENSIONS), dtype=np.float32))


@dataclass(frozen=True)
class AnswerAnalysis:
    """What the matcher needs from one guest's two answers, computed once per saved answer."""

    offers: AnswerItems
    needs: AnswerItems

    def to_bytes(self) -> bytes:
        """Serialise (JSON with base64 float32 vectors) for storing beside the guest."""
        def pack(items: AnswerItems) -> dict:
            return {"texts": list(items.texts), "flags": list(items.flags),
                    "vagueness": [round(v, 4) for v in items.vagueness],
                    "vectors": base64.b64encode(np.ascontiguousarray(items.vectors, "<f4").tobytes())
                    .decode("ascii")}
        return json.dumps({"version": ANALYSIS_VERSION, "offers": pack(self.offers),
                           "needs": pack(self.needs)}, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> "AnswerAnalysis":
        """Read back what to_bytes wrote."""
        raw = json.loads(data.decode("utf-8"))
        if raw.get("version") != ANALYSIS_VERSION:
            raise ValueError("stale answer analysis: recompute it")

        def unpack(part: dict) -> AnswerItems:
            vectors = np.frombuffer(base64.b64decode(part["vectors"]), dtype="<f4").astype(np.float32)
            return AnswerItems(tuple(part["texts"]), tuple(part["flags"]), tuple(part["vagueness"]),
                               vectors.reshape(len(part["texts"]), DIMENSIONS))
        return cls(unpack(raw["offers"]), unpack(raw["needs"]))


@lru_cache(maxsize=200_000)
def _item_key(item: str) -> str:
    # The model is uncased, so case variants share one embedding.
    return normalise_item(strip_framing(item)).lower()


def _flags(text: str, key: str) -> int:
    """Direction flags of an item. The framing that the key drops can be what says the writer wants
    work ("need work as a cook", "looking for work"), so that reading also comes from the whole text."""
    return direction_flags(key) | (direction_flags(clean_text(text).lower()) & JOB_SEEKING)


def analyse_many(answers: list[tuple[str, str]], encoder=None) -> list[AnswerAnalysis]:
    """Analyse (can_offer, could_use) pairs together, embedding each distinct item text once."""
    if encoder is None:
        from .encoder import shared_encoder
        encoder = shared_encoder()
    def meaningful(items: list[str]) -> list[str]:
        # An item that is nothing but chat filler ("honestly", "lol") has no substance to match.
        return [item for item in items if _item_key(item)]
    split = [(meaningful(split_answer(offer)), meaningful(answer_spans(offer)), meaningful(split_answer(need)),
              meaningful(answer_spans(need))) for offer, need in answers]
    # Per side: each distinct normalised item once (the same words are embedded in each side's template).
    offer_rows: dict[str, int] = {}
    need_rows: dict[str, int] = {}
    for offer_parts, _, need_parts, _ in split:
        for item in offer_parts:
            offer_rows.setdefault(_item_key(item), len(offer_rows))
        for item in need_parts:
            need_rows.setdefault(_item_key(item), len(need_rows))
    for key in need_rows:
        need_rows[key] += len(offer_rows)
    keys = list(offer_rows) + list(need_rows)
    templated = [OFFER_TEMPLATE.format(k) for k in offer_rows] + [NEED_TEMPLATE.format(k) for k in need_rows]
    vectors = encoder.encode(templated) if templated else np.zeros((0, DIMENSIONS), dtype=np.float32)
    vague = np.concatenate([vagueness(vectors[:len(offer_rows)], OFFER_TEMPLATE),
                            vagueness(vectors[len(offer_rows):], NEED_TEMPLATE)])

    def items(parts: list[str], spans: list[str], normalised: dict[str, int]) -> AnswerItems:
        if not spans:
            return AnswerItems.empty()
        texts, flags, vagueness_of, rows = [], [], [], []
        part_set = set(parts)
        # Wanting work is said once per sentence ("just finished culinary school, where should I
        # apply?"): every part of a clause that says it is read as said by a job seeker.
        seekers_parts: set[str] = set()
        for text in spans:
            if text in part_set:
                row = normalised[_item_key(text)]
                vector, flag, vague_score = vectors[row], _flags(text, keys[row]), float(vague[row])
            else:
                # A clause kept whole is read as the mean of its parts: mean pooling makes that close
                # to embedding it, at no cost.
                inside = split_answer(text)
                inner = [normalised[_item_key(p)] for p in inside if _item_key(p) in normalised]
                if not inner:
                    continue
                mean = vectors[inner].mean(0)
                vector = mean / max(float(np.linalg.norm(mean)), 1e-9)
                flag = _flags(text, _item_key(text)) | WHOLE_CLAUSE
                vague_score = float(min(vague[inner]))
                if flag & JOB_SEEKING:
                    seekers_parts.update(inside)
            texts.append(text)
            flags.append(flag)
            vagueness_of.append(vague_score)
            rows.append(vector)
        flags = [f | JOB_SEEKING if t in seekers_parts else f for t, f in zip(texts, flags)]
        return AnswerItems(tuple(texts), tuple(flags), tuple(vagueness_of), np.vstack(rows).astype(np.float32))
    return [AnswerAnalysis(items(offer_parts, offer_spans, offer_rows), items(need_parts, need_spans, need_rows))
            for offer_parts, offer_spans, need_parts, need_spans in split]


def analyse_answers(can_offer: str, could_use: str, encoder=None) -> bytes:
    """Analyse one guest's answers; store the bytes and pass them back to the engine later."""
    return analyse_many([(can_offer, could_use)], encoder)[0].to_bytes()
