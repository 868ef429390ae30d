"""Reading free-text answers: split them into items and normalise each item for the model."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..textcut import shorten
from .abbreviations import ANY_CASE, FILLER, UPPERCASE_ONLY

_BULLET = re.compile(r"^\s*(?:[-*•·–—>+]+|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)](?=\s))\s*")
_LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z' ]{0,30}):\s+(?=\S)")
# The writer as subject: "I", "we" and their contractions ("I'm", "we've": \b falls before the apostrophe).
_WRITER = r"(?:I|we)\b"
# A label that describes the writer ("I'm a brand designer: logos, type, …") is an item, not a heading.
_SELF_LABEL = re.compile("^" + _WRITER, re.IGNORECASE)
# ". " ends a sentence unless the word before it is a short abbreviation such as "e.g." or "Dr.".
_SENTENCE_END = re.compile(r"(?<![A-Z]\.[A-Z])(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bDr)(?<!\bMr)(?<!\bMs)"
                           r"(?<!\bMrs)(?<!\bvs)(?<!\bSt)([.!?]+)\s+(?=\S)")
_STRONG_SPLIT = re.compile(r"\s*;\s*|\s+/\s+|\s+\|\s+|\s+[-–—]\s+(?=also\b|plus\b)", re.IGNORECASE)
# A comma between digits is a thousands separator ("5,000"), not a list.
_COMMA_SPLIT = re.compile(r"\s*(?:(?<!\d),|,(?!\d))\s*(?:and\s+|also\s+|plus\s+|&\s+)?", re.IGNORECASE)
_AND_SPLIT = re.compile(r"\s+(?:and|&|\+|plus)\s+(?:also\s+)?", re.IGNORECASE)
_LEADING_JOINER = re.compile(r"^(?:and|also|plus|&|as well as)\b[\s,]*", re.IGNORECASE)
_TRAILING_PUNCT = re.compile(r"[\s.,;:!?~]+$")
_EMOTICON = re.compile(r"(?:[:;=]-?[)(DPp/\\|]|<3|\^_\^)")
_WORD = re.compile(r"\w[\w'&/-]*|\S")
MIN_WORDS_PER_LIST_PART = 2
_ANY_WORD = re.compile(r"[^\W_][\w']*")


# The ASCII symbols (Unicode category S) that clean_text drops: "$" and "+" carry meaning and stay.
_ASCII_SYMBOLS = str.maketrans("", "", "<=>^`|~")


@lru_cache(maxsize=50_000)
def clean_text(text: str) -> str:
    """Unicode-normalise, straighten quotes and drop emoji and emoticons (cached: an answer is read
    several times while it is split)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = _EMOTICON.sub(" ", text)
    if text.isascii():
        return text.translate(_ASCII_SYMBOLS)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "S" or ch in "&+/$%#@")


def _strip_item(item: str) -> str:
    item = _BULLET.sub("", item.strip())
    item = _LEADING_JOINER.sub("", item)
    return _TRAILING_PUNCT.sub("", item).strip(" \"'()-")


def _word_count(text: str) -> int:
    # Words in any script: an answer in Arabic or Chinese is items too, not nothing.
    return len(_ANY_WORD.findall(text))


# A side of "and" that opens with a verb of its own subject-less clause, or with "it's"/"there was",
# continues a sentence ("we bought a duplex and are suddenly landlords", "… and it's killing our
# budget"): it is not a list item of its own.
_CONTINUES_CLAUSE = re.compile(
    r"^(?:(?:is|are|was|were|am|has|have|had|does|do|did|can't|cannot|won't)\b|"
    r"(?:it|that|this|there)(?:'s|\s+(?:is|was|has|had|are|were)\b)|(?:nobody|nothing|everything|everyone)\b)",
    re.IGNORECASE)


# "and" before a new subject starts a clause of its own: "… about non-competes and severance and I grow
# Instagram accounts for shops" is two items even though "severance" alone is not.
_AND_NEW_SUBJECT = re.compile(r"\s+(?:and|&)\s+(?:also\s+)?(?=" + _WRITER + ")", re.IGNORECASE)


# "my wife and I …", "my co-founder and I …": one subject of two people, not two items.
_JOINT_SUBJECT = re.compile(r"^(?:my|our)\s+(?:[\w-]+\s+){0,2}?[\w-]+\s+(?:and|&)\s+I\b", re.IGNORECASE)


def _split_and(part: str) -> list[str]:
    """Split at "and"/"&" only when both sides read as items ("research and development" stays whole)."""
    if _JOINT_SUBJECT.match(part):
        return [part]
    pieces = [p for p in (_strip_item(p) for p in _AND_SPLIT.split(part)) if p]
    if (len(pieces) < 2 or min(_word_count(p) for p in pieces) < MIN_WORDS_PER_LIST_PART
            or any(_CONTINUES_CLAUSE.match(p) for p in pieces[1:])):
        # Four words or more before it, so a short subject ("Tom and I run a bakery") stays whole.
        clauses = [p for p in (_strip_item(p) for p in _AND_NEW_SUBJECT.split(part)) if p]
        if (len(clauses) > 1 and min(_word_count(p) for p in clauses[:-1]) >= 4
                and _word_count(clauses[-1]) >= MIN_WORDS_PER_LIST_PART):
            return clauses
        return [part]
    return pieces


def _split_list(clause: str) -> list[str]:
    """Split a clause into list items: commas first, then "and" where both sides stand alone."""
    parts = [p for p in (_strip_item(p) for p in _COMMA_SPLIT.split(clause)) if p]
    # Two comma parts with a one-word side are usually a phrase ("Technical recruiter, 10 yrs" is
    # fine, "Yes, please" is not a list); three or more parts are a list whatever their length.
    if len(parts) == 2 and min(_word_count(p) for p in parts) < MIN_WORDS_PER_LIST_PART:
        parts = [clause]
    return [piece for part in parts for piece in _split_and(part)]


def split_answer(text: str) -> list[str]:
    """Split an answer into its items (lines, bullets, numbered lists, sentences, ';', '/', lists)."""
    return list(_split_answer(text))


@lru_cache(maxsize=50_000)
def _split_answer(text: str) -> tuple[str, ...]:
    items: list[str] = []
    for line in clean_text(text).splitlines():
        line = _strip_item(line)
        if not line:
            continue
        label = _LABEL.match(line)
        if label and len(label.group(1).split()) <= 4:
            if _SELF_LABEL.match(label.group(1)):
                items.append(label.group(1).strip())
            line = line[label.end():]
        sentences = _SENTENCE_END.sub(lambda m: m.group(1) + "\n", line).split("\n")
        for sentence in sentences:
            for clause in _STRONG_SPLIT.split(sentence):
                clause = _strip_item(clause)
                if clause:
                    items.extend(_split_list(clause))
    seen: set[str] = set()
    unique = []
    for item in items:
        key = item.lower()
        if key not in seen and _word_count(item):
            seen.add(key)
            unique.append(item)
    return tuple(unique)


# Reasons and the unserved list quote an item whole up to this many characters: a phrase, not a
# paragraph pasted without punctuation (which printed a page and a half of one reason on the sheet).
QUOTE_LIMIT = 120


def quoted(item: str) -> str:
    """An answer's item as a reason or a list quotes it: whole, unless it runs past QUOTE_LIMIT
    characters (a paragraph with no punctuation to split it), then cut on a word boundary. Runs of
    spaces (left where an emoji was dropped: "help with 🍰 catering") are one space."""
    return shorten(" ".join(item.split()), QUOTE_LIMIT)


def answer_spans(text: str) -> list[str]:
    """Items plus each multi-part clause kept whole, so a comma inside one idea loses nothing."""
    items = split_answer(text)
    spans = list(items)
    for line in clean_text(text).splitlines():
        for sentence in _SENTENCE_END.sub(lambda m: m.group(1) + "\n", _strip_item(line)).split("\n"):
            for clause in _STRONG_SPLIT.split(sentence):
                clause = _strip_item(clause)
                label = _LABEL.match(clause)
                if label and len(label.group(1).split()) <= 4:
                    clause = clause[label.end():]
                if clause and clause not in spans and len(_split_list(clause)) > 1:
                    spans.append(clause)
    return spans


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    from .encoder import model_directory
    words = (model_directory() / "vocab.txt").read_text(encoding="utf-8").split("\n")
    return frozenset(w for w in words if w.isalpha() and len(w) >= 3)


def _edits(word: str) -> list[str]:
    """Words one slip away: swapped neighbours, a dropped letter restored, a doubled letter undone."""
    transposed = [word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)]
    letters = "abcdefghijklmnopqrstuvwxyz"
    inserted = [word[:i] + c + word[i:] for i in range(1, len(word)) for c in letters]
    undoubled = [word[:i] + word[i + 1:] for i in range(len(word) - 1) if word[i] == word[i + 1]]
    return transposed + undoubled + inserted


def _known_form(word: str, vocabulary: frozenset[str]) -> bool:
    if word in vocabulary:
        return True
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""),
                                ("ing", "e"), ("ers", ""), ("er", ""), ("ly", "")):
        if word.endswith(suffix) and word[: -len(suffix)] + replacement in vocabulary:
            return True
    return False


@lru_cache(maxsize=50_000)
def correct_spelling(word: str) -> str:
    """Fix a one-slip typo in a word the model's vocabulary does not know; else return it."""
    lower = word.lower()
    if len(lower) < 5 or not lower.isalpha():
        return word
    vocabulary = _vocabulary()
    if _known_form(lower, vocabulary):
        return word
    for candidate in _edits(lower):
        if len(candidate) >= 4 and _known_form(candidate, vocabulary):
            return candidate
    return word


def normalise_item(item: str) -> str:
    """Spell out abbreviations, drop chat filler and fix typos so the model reads the item well."""
    words = []
    for token in _WORD.findall(clean_text(item)):
        bare = token.strip("'")
        lower = bare.lower()
        if lower in FILLER:
            continue
        if bare in UPPERCASE_ONLY or (bare.endswith("s") and bare[:-1] in UPPERCASE_ONLY
                                      and bare[:-1].isupper()):
            words.append(UPPERCASE_ONLY.get(bare) or UPPERCASE_ONLY[bare[:-1]])
        elif lower in ANY_CASE:
            words.append(ANY_CASE[lower])
        elif bare.isalpha():
            words.append(correct_spelling(bare))
        else:
            words.append(token)
    text = " ".join(words)
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    return text.strip()


# Speech-act framing ("I can help with", "looking for someone to") says who wants what, not what: the
# direction is read separately (direction.py), so the model compares the substance alone.
_FRAMING = re.compile(
    r"^(?:(?:i'?m|i am|we'?re|we are)\s+(?:happy|glad|able|willing|available)\s+to\s+|"
    r"(?:i|we)\s+(?:can|could|will|'ll|would)\s+(?:(?:happily|gladly|also)\s+)?(?:help\s+(?:you\s+)?(?:with\s+)?)?|"
    r"i'll\s+|we'll\s+|happy\s+to\s+(?:help\s+(?:you\s+)?(?:with\s+)?)?|glad\s+to\s+|can\s+help\s+(?:you\s+)?(?:with\s+)?|"
    r"(?:i|we)\s+(?:really\s+)?(?:need|want|could\s+use|would\s+love|'d\s+love|would\s+like|'d\s+like)\s+(?:to\s+find\s+|"
    r"some\s+|a\s+little\s+|help\s+(?:with\s+)?)?|"
    r"(?:really\s+)?(?:need|want|could\s+use|would\s+love|looking\s+for|seeking|searching\s+for|hoping\s+for|"
    r"trying\s+to\s+find)\s+(?:some\s+|help\s+(?:with\s+)?)?|"
    r"(?:some\s+)?(?:help|advice|tips|guidance|support)\s+(?:with|on|for|about)\s+)",
    re.IGNORECASE)


def strip_framing(item: str) -> str:
    """Drop a leading "I can help with" / "looking for" so the item's substance remains."""
    stripped = item
    for _ in range(2):
        stripped = _FRAMING.sub("", stripped).strip()
    return stripped if len(stripped.split()) >= 1 and stripped else item
