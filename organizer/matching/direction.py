"""Which side of a hire an item is on: an employer with a job, someone seeking one, or a source of candidates."""
from __future__ import annotations

import re

# Flag bits of direction_flags.
HIRING, JOB_SEEKING, ABOUT_CANDIDATES = 1, 2, 4

# The writer is hiring ("we're hiring a designer", "need to hire", "recruiting for"); "hiring manager"
# and "hiring panel" describe a role, not an opening.
_HIRING = re.compile(
    r"\b(?:hire|hires|hiring(?!\s+(?:manager|managers|panel|panels|process|committee|committees|side|"
    r"decisions?|practices))|recruiting\s+(?:for|a|an)|open\s+(?:roles?|positions?|reqs?)\s+(?:to|on|at|in)\b|"
    r"headcount|backfill|(?:have|has|got)\s+(?:an?\s+|two\s+|some\s+)?(?:job\s+)?(?:openings?|vacanc(?:y|ies))\s+for|staff(?:s|ed|ing)?\s+up|"
    # Common English idioms of an employer adding a person: "fill a senior sales role", "someone to join
    # our team", "bring a designer on board", "add an engineer to the team", "grow our team".
    r"fill(?:ing)?\s+(?:a|an|the|our|my|this|that)\s+(?:[\w-]+\s+){0,3}(?:role|position|seat|opening|vacancy|spot)s?\b|"
    r"to\s+join\s+(?:us|our\s+(?:[\w-]+\s+)?team|the\s+team|my\s+team)\b|"
    r"bring(?:ing)?\s+(?:(?:on\s+)?(?:a|an|someone|somebody|people|more|another)\b(?:\s+[\w-]+){0,4}\s+on(?:\s+board)?\b|on\s+(?:a|an|someone|somebody)\b)|"
    r"add(?:ing)?\s+(?:a|an|someone|somebody|another)\s+(?:[\w-]+\s+){0,3}to\s+(?:our|the|my)\s+team|"
    r"(?:grow|growing|expand|expanding)\s+(?:our|my)\s+(?:[\w-]+\s+)?team\b|"
    r"\bto\s+bring\s+on(?:\s+board)?\s*(?:$|[,.;:!?)(])|"
    r"looking\s+to\s+hire|in\s+the\s+market\s+for\s+(?:a|an)\s+(?:[\w-]+\s+){0,3}(?:hire|employee|candidate))",
    re.IGNORECASE)
# The writer wants work for themselves.
_JOB_SEEKING = re.compile(
    r"\b(?:(?:a|new|next|my next|first|full-time|part-time|paid)\s+(?:[\w-]+\s+){0,2}(?:job|role|position|gig)s?\b|"
    r"(?:looking|searching|hunting|applying)\s+for\s+(?:[\w-]+\s+){0,3}(?:jobs?|roles?|positions?|gigs?|work)\b|"
    r"job\s+(?:search|hunt|hunting|leads?)|employment|between\s+(?:jobs|gigs|roles)|laid\s+off|"
    r"get\s+(?:hired|a\s+job)|land(?:ing)?\s+(?:a|my)\s+(?:job|role|position)|"
    # "need work as a cook", "want paid work", "where should I apply?"
    r"(?:need|needs|want|wants|seeking)\s+(?:paid\s+|steady\s+|more\s+)?work\b(?!\s+(?:done|on)\b)|"
    r"where\s+(?:should|can|do)\s+I\s+apply)",
    re.IGNORECASE)
# People who want jobs: offered ("I know engineers open to new roles") or wanted ("finding candidates").
_OFFERS_CANDIDATES = re.compile(
    r"\b(?:candidates?|applicants?|job\s*seekers?|open\s+to\s+(?:new\s+)?(?:roles|opportunities|work|jobs)|"
    r"looking\s+for\s+(?:work|jobs|new\s+roles)|talent(?:\s+(?:pool|network|sourcing))?|sourcing|recruiters?|"
    # "cooks who want full-time kitchen jobs", "my graduating class needs placements"
    r"who\s+(?:want|need|are\s+looking\s+for|are\s+after)\s+(?:[\w-]+\s+){0,2}(?:jobs|work|roles|positions)|"
    r"needs?\s+(?:job\s+)?placements?)\b",
    re.IGNORECASE)


def is_hiring(text: str) -> bool:
    """True when the writer speaks as an employer filling a role."""
    return bool(_HIRING.search(text))


def is_job_seeking(text: str) -> bool:
    """True when the writer wants a job for themselves."""
    return bool(_JOB_SEEKING.search(text)) and not is_hiring(text)


def offers_candidates(text: str) -> bool:
    """True when an item is about people who want jobs (candidates, a recruiter's network)."""
    return bool(_OFFERS_CANDIDATES.search(text)) and not is_hiring(text)


def direction_flags(text: str) -> int:
    """Pack the three readings into bits: HIRING, JOB_SEEKING, ABOUT_CANDIDATES (offers candidates)."""
    return (HIRING if is_hiring(text) else 0) | (JOB_SEEKING if is_job_seeking(text) else 0) | (
        ABOUT_CANDIDATES if offers_candidates(text) else 0)


def directions_clash(offer_flags: int, need_flags: int) -> bool:
    """True when the offer and the need are on the same side of a hire (two employers, two seekers)."""
    both_hiring = bool(offer_flags & HIRING) and bool(need_flags & (HIRING | ABOUT_CANDIDATES))
    candidates_to_seeker = bool(offer_flags & ABOUT_CANDIDATES) and bool(need_flags & JOB_SEEKING)
    return both_hiring or candidates_to_seeker


# The writer says they no longer offer something ("I no longer do bookkeeping", "not taking new
# clients", "I don't really do logos anymore"): said at the head of the item, in the writer's own
# voice, not inside a clause about others ("I sue landlords who don't do repairs").
_WITHDRAWN = re.compile(
    r"^\s*(?:(?:sorry|but|and|also|though)[,\s]+)?(?:(?:i|we)(?:'m|'re|\s+am|\s+are)?\s+)?"
    r"(?:(?:no\s+longer|don'?t|do\s+not|can'?t|cannot|won'?t|will\s+not|stopped|quit)\s+(?:[\w-]+\s+)?"
    r"(?:do|doing|offer|offering|provide|providing|take|taking|teach|teaching|help|helping)\b"
    r"|(?:not|no\s+longer)\s+(?:[\w-]+\s+)?(?:doing|offering|providing|taking|teaching|available)\b)",
    re.IGNORECASE)


def withdraws_offer(text: str) -> bool:
    """Whether an offer item says the writer no longer offers what it names."""
    return bool(_WITHDRAWN.search(text.replace("\u2019", "'")))
