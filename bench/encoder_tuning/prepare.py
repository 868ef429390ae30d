"""Turn topic banks into what the kit embeds: each phrase as the list of its templated parts.

    .venv/bin/python bench/encoder_tuning/prepare.py prepared.json bench/encoder_tuning/banks/*.json

Runs in the kit's environment, so the training sees exactly the kit's splitting, normalising and
side templates (analysis.py). Topics of different banks that serve each other (same_topics.json)
share a group name, so training never treats one as the other's wrong answer.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from organizer.matching.analysis import NEED_TEMPLATE, OFFER_TEMPLATE, _item_key  # noqa: E402
from organizer.matching.text import split_answer  # noqa: E402


def parts(phrase: str, template: str) -> list[str]:
    """The templated texts the kit embeds for one answer."""
    return [template.format(key) for key in (_item_key(p) for p in split_answer(phrase)) if key]


SAME_TOPICS = Path(__file__).resolve().parent / "same_topics.json"


def main() -> None:
    group_of = {member: group[0] for group in json.loads(SAME_TOPICS.read_text(encoding="utf-8"))["groups"]
                for member in group}
    out = []
    for path in sys.argv[2:]:
        bank = json.loads(Path(path).read_text(encoding="utf-8"))
        prefix = bank["bank"] + ":"
        for topic in bank["topics"]:
            out.append({"id": prefix + topic["id"], "group": group_of.get(prefix + topic["id"], prefix + topic["id"]),
                        "offers": [p for p in (parts(o, OFFER_TEMPLATE) for o in topic["offers"]) if p],
                        "needs": [p for p in (parts(n, NEED_TEMPLATE) for n in topic["needs"]) if p],
                        "confusable": [prefix + c for c in topic.get("confusable_with", [])]})
    Path(sys.argv[1]).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    print(f"{len(out)} topics, {sum(len(t['offers']) + len(t['needs']) for t in out)} phrases")


if __name__ == "__main__":
    main()
