"""Fine-tune the top layers of all-MiniLM-L6-v2 so that needs meet the offers that serve them.

    python bench/encoder_tuning/train.py prepared.json organizer/matching/data/offer_need_layers.safetensors

Runs in its own environment with PyTorch (see README.md here). Each step takes one need and one offer
from each of 32 topics of the training banks; the loss asks every need to pick its own topic's offer
out of the batch's offers plus one offer from a near-miss topic (its `confusable_with`), and every
offer to pick its need. Only the top layers train; the rest of the model stays as published.
The output keeps the trained layers only (see `stored`).
"""
from __future__ import annotations

import argparse
import json
import random
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import save_file
from torch_minilm import MiniLM, kit_encoder


def sample_batch(topics: list[dict], size: int, start: list[dict] | None = None) -> list[dict]:
    """`size` topics, no two of one group (topics of different banks that serve each other): `start`
    (if given), filled up at random."""
    batch = list(start or [])
    groups = {t["group"] for t in batch}
    for topic in random.sample(topics, len(topics)):
        if topic["group"] not in groups:
            batch.append(topic)
            groups.add(topic["group"])
            if len(batch) == size:
                break
    return batch


def topic_confusion(model: "MiniLM", topics: list[dict]) -> np.ndarray:
    """confusion[i, j]: cosine of topic i's mean need with topic j's mean offer, under the model as it
    starts (the published layers): which topics the model mixes up before training."""
    def means(side: str) -> np.ndarray:
        rows = []
        with torch.no_grad():
            for start in range(0, len(topics), 16):
                chunk = topics[start:start + 16]
                vectors = model.phrases([p for t in chunk for p in t[side]])
                at = 0
                for t in chunk:
                    rows.append(F.normalize(vectors[at:at + len(t[side])].mean(0), dim=-1).numpy())
                    at += len(t[side])
        return np.stack(rows)
    return means("needs") @ means("offers").T


def hard_batch(topics: list[dict], size: int, confusion: np.ndarray, pool: int) -> list[dict]:
    """`size` topics the model confuses with one another: a random seed topic, then topics drawn from
    the `pool` it is most confused with (either direction), no two of one group. A topic closer to a
    batch member than that member's own need and offer are (a likely unlisted duplicate) is left out,
    so it is not taught as a wrong answer."""
    seed = random.randrange(len(topics))
    closeness = np.maximum(confusion[seed], confusion[:, seed])
    order = [int(j) for j in np.argsort(-closeness)[:pool] if j != seed]
    random.shuffle(order)
    batch, groups, members = [topics[seed]], {topics[seed]["group"]}, [seed]
    for j in order:
        if topics[j]["group"] in groups:
            continue
        if any(max(confusion[m, j], confusion[j, m]) >= min(confusion[m, m], confusion[j, j]) for m in members):
            continue
        batch.append(topics[j])
        groups.add(topics[j]["group"])
        members.append(j)
        if len(batch) == size:
            return batch
    return sample_batch(topics, size, batch)  # too few confusable topics: fill at random


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="prepare.py's output")
    parser.add_argument("out")
    parser.add_argument("--train-from", type=int, default=4, help="first layer to train (0-5)")
    parser.add_argument("--steps", type=int, default=450)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--scale", type=float, default=20.0, help="inverse temperature of the softmax")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sigmoid-weight", type=float, default=0.0,
                        help="weight of a pairwise sigmoid loss that asks every pair of the batch to fall on "
                             "its side of one learned cosine threshold (0: off)")
    parser.add_argument("--sigmoid-scale", type=float, default=10.0)
    parser.add_argument("--near-misses", type=int, default=1, help="near-miss offers per topic in each batch")
    parser.add_argument("--hard-batches", type=float, default=0.0,
                        help="share of batches made of topics the starting model confuses (default 0: all random)")
    parser.add_argument("--hard-pool", type=int, default=96, help="a hard batch draws from this many closest topics")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(2)
    model = MiniLM()
    trained = model.layer_names(args.train_from)
    published = {name: model.params[name].numpy().copy() for name in trained}
    for name in trained:
        model.params[name].requires_grad_(True)
    topics = json.load(open(args.data, encoding="utf-8"))
    by_id = {t["id"]: t for t in topics}
    for t in topics:
        t.setdefault("group", t["id"])
    # The kit labels a suggestion strong when its score clears one threshold for every guest, so the
    # optional sigmoid loss (SigLIP's) asks for that: each need-offer pair of the batch on its side of
    # one cosine `threshold`, learned with the layers. The softmax losses only order each row.
    threshold = torch.nn.Parameter(torch.tensor(0.5))
    optimiser = torch.optim.AdamW([{"params": [model.params[n] for n in trained]},
                                   {"params": [threshold], "lr": 1e-3}], lr=args.lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / 20) * max(0.0, 1 - s / args.steps))
    confusion = topic_confusion(model, topics) if args.hard_batches else None
    hard_random = random.Random(args.seed + 1)  # its own draws: with --hard-batches 0 the run is as before
    started, running = time.time(), None
    for step in range(args.steps):
        if confusion is not None and hard_random.random() < args.hard_batches:
            batch = hard_batch(topics, args.batch, confusion, args.hard_pool)
        else:
            batch = sample_batch(topics, args.batch)
        in_batch = {t["group"] for t in batch}
        needs = [random.choice(t["needs"]) for t in batch]
        offers = [random.choice(t["offers"]) for t in batch]
        near_misses = []
        for _ in range(args.near_misses):  # sources first, then offers: the draws of the shipped run
            sources = []
            for t in batch:
                confusable = [c for c in t["confusable"] if c in by_id and by_id[c]["group"] not in in_batch]
                sources.append(by_id[random.choice(confusable)] if confusable
                               else random.choice([u for u in topics if u["group"] not in in_batch]))
            near_misses += [random.choice(source["offers"]) for source in sources]
        n = model.phrases(needs)
        o = model.phrases(offers + near_misses)
        target = torch.arange(args.batch)
        similarity = n @ o.T
        loss = (F.cross_entropy(args.scale * similarity, target)
                + F.cross_entropy(args.scale * similarity[:, :args.batch].T, target))
        if args.sigmoid_weight:
            if step == 0:
                with torch.no_grad():  # start between the pairs and their near misses
                    threshold.fill_((similarity.diagonal().mean() + similarity[:, args.batch:].diagonal().mean()) / 2)
            sign = 2 * torch.eye(args.batch, similarity.shape[1]) - 1
            loss = loss + args.sigmoid_weight * -F.logsigmoid(
                sign * args.sigmoid_scale * (similarity - threshold)).sum() / args.batch
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        if step % 25 == 0 or step == args.steps - 1:
            learned = f"  threshold {threshold.item():.3f}" if args.sigmoid_weight else ""
            print(f"step {step:4d}  loss {running:.3f}{learned}  {time.time() - started:5.0f} s", flush=True)
    save_file(stored(published, {n: model.params[n].detach().numpy() for n in trained}), args.out)
    print(f"wrote {args.out}: {len(trained)} tensors (layers {args.train_from}-5)")


def stored(published: dict[str, np.ndarray], tuned: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What the kit ships: vectors in float16; each matrix as its change from the published one, in
    8 bits with a scale per row (half the bytes of float16; the eighth session's layers stored this
    way gave vectors within cosine 0.9999999 of their float16 storage)."""
    out = {}
    for name, value in tuned.items():
        if value.ndim == 1:
            out[name] = value.astype(np.float16)
            continue
        delta = value - published[name]
        scale = np.maximum(np.abs(delta).max(axis=1), 1e-12) / 127.0
        out[name + kit_encoder.DELTA] = np.round(delta / scale[:, None]).astype(np.int8)
        out[name + kit_encoder.DELTA_SCALE] = scale.astype(np.float32)
    return out


if __name__ == "__main__":
    main()
