"""Splitting answers into items, normalising them, and reading the direction of a hire."""
from __future__ import annotations

import pytest

from organizer.matching.analysis import analyse_many
from organizer.matching.direction import (
    JOB_SEEKING,
    direction_flags,
    directions_clash,
    is_hiring,
    is_job_seeking,
    offers_candidates,
)
from organizer.matching.text import answer_spans, normalise_item, split_answer, strip_framing


@pytest.mark.parametrize("answer, items", [
    ("resume reviews, mock interviews and salary negotiation",
     ["resume reviews", "mock interviews", "salary negotiation"]),
    ("tax prep; bookkeeping ; payroll", ["tax prep", "bookkeeping", "payroll"]),
    ("SEO\nGrant writing\n\nheadshots", ["SEO", "Grant writing", "headshots"]),
    ("- intros to VCs\n* pitch deck feedback\n• board prep", ["intros to VCs", "pitch deck feedback", "board prep"]),
    ("1. Python tutoring\n2) data viz in Tableau", ["Python tutoring", "data viz in Tableau"]),
    ("I know literary agents. I edit memoirs.", ["I know literary agents", "I edit memoirs"]),
    ("logo design / brand strategy", ["logo design", "brand strategy"]),
    ("media contacts, PR, keyword research", ["media contacts", "PR", "keyword research"]),
    ("Offering: dog walking", ["dog walking"]),
    ("cutting a 5,000-word essay down to 2,000", ["cutting a 5,000-word essay down to 2,000"]),
    ("pep talks for your job search - also money coaching", ["pep talks for your job search", "money coaching"]),
    ("Looking for: a mentor in climate tech!", ["a mentor in climate tech"]),
])
def test_split_answer_finds_the_items(answer, items):
    assert split_answer(answer) == items


@pytest.mark.parametrize("answer", [
    "research and development",
    "salt & pepper",
    "mergers and acquisitions advice",
    "Yes, please",
])
def test_compounds_are_not_split(answer):
    assert split_answer(answer) == [answer]


def test_and_splits_only_between_items_that_stand_alone():
    assert split_answer("resume reviews and I can help with taxes") == ["resume reviews", "I can help with taxes"]


def test_spans_keep_a_listed_clause_whole_beside_its_parts():
    spans = answer_spans("where to eat, where to live, and which clinic is fastest")
    assert spans[:3] == ["where to eat", "where to live", "which clinic is fastest"]
    assert spans[3] == "where to eat, where to live, and which clinic is fastest"


def test_empty_and_noise_only_answers():
    assert split_answer("") == []
    assert split_answer("  \n - \n") == []
    assert split_answer("🙂 :)") == []


@pytest.mark.parametrize("raw, expected_part", [
    ("CV feedback", "resume"),
    ("HR policies", "human resources"),
    ("intro to a CFO", "chief financial officer"),
    ("SEO audit", "search engine optimization"),
    ("budgetng help", "budgeting"),
    ("grad studnt", "student"),
    ("empployment law", "employment"),
])
def test_normalise_item_spells_out_and_fixes(raw, expected_part):
    assert expected_part in normalise_item(raw).lower()


def test_normalise_keeps_accents_digits_and_drops_filler():
    assert normalise_item("my résumé is 3 pages lol") == "my résumé is 3 pages"
    assert "30%" in normalise_item("went up 30%").replace(" ", "")


def test_lowercase_words_that_look_like_abbreviations_stay():
    assert normalise_item("it is what it is") == "it is what it is"


def test_strip_framing_leaves_the_substance():
    assert strip_framing("I can help you pitch journalists") == "pitch journalists"
    assert strip_framing("Looking for help with my taxes") == "my taxes"
    assert strip_framing("need") == "need"  # nothing left after the framing: keep the item


def test_direction_of_a_hire():
    assert is_hiring("hiring a senior designer")
    assert is_hiring("we need to hire two nurses")
    assert not is_hiring("I can play the tough hiring manager")
    assert is_job_seeking("looking for a design job")
    assert is_job_seeking("between gigs, open to a new role")
    employer_offer = direction_flags("my team is hiring a designer")
    employer_need = direction_flags("hiring a designer - know anyone?")
    seeker_need = direction_flags("looking for a design job")
    candidates_offer = direction_flags("I know designers who are open to new roles")
    assert directions_clash(employer_offer, employer_need)
    assert not directions_clash(employer_offer, seeker_need)
    assert directions_clash(candidates_offer, seeker_need)
    assert not directions_clash(candidates_offer, employer_need)


@pytest.mark.parametrize("text", [
    "struggling to fill a senior sales role",
    "we want someone to join our team as an analyst",
    "looking for a part-time bookkeeper to bring on",
    "we'd like to bring a nurse on board",
    "adding an engineer to the team this spring",
    "growing my support team",
    "looking to hire a paralegal",
    "the chef at a bistro downtown, we're staffing up for patio season",
    "we staffed up too fast last spring",
])
def test_hiring_idioms_read_as_an_employer(text):
    assert is_hiring(text)


@pytest.mark.parametrize("text", [
    "I can help you bring on investors",
    "how to build the team culture",
    "I've built remote engineering teams",
    "join us for a run on Sundays",
])
def test_not_hiring(text):
    assert not is_hiring(text)


@pytest.mark.parametrize("text", [
    "need work as a welder",
    "want paid work this summer",
    "just finished nursing school, where should I apply?",
])
def test_job_seeking_idioms(text):
    assert is_job_seeking(text)


@pytest.mark.parametrize("text", [
    "we need work done on the roof",
    "I want to work on my posture",
    "how do I apply sunscreen properly",
])
def test_not_job_seeking(text):
    assert not is_job_seeking(text)


@pytest.mark.parametrize("text", [
    "I know welders who want full-time jobs",
    "my bootcamp cohort needs placements",
])
def test_candidate_idioms(text):
    assert offers_candidates(text)


def test_framing_that_says_the_writer_wants_work_is_read():
    """"need" is framing and leaves the key, but "need work as a welder" still reads as job seeking, so
    an offer of welders who want work does not meet it as a safe bet."""
    (analysis,) = analyse_many([("", "need work as a welder")])
    assert analysis.needs.flags[0] & JOB_SEEKING
    assert directions_clash(direction_flags("I know welders who want full-time jobs"), analysis.needs.flags[0])


@pytest.mark.parametrize("text", [
    "we bought a duplex and are suddenly landlords",
    "we eat takeout every night and it's killing our budget",
    "my dad passed and there was no will anywhere",
])
def test_and_that_continues_a_sentence_does_not_split(text):
    assert split_answer(text) == [text]


def test_and_between_items_still_splits():
    assert split_answer("tax prep and estate planning") == ["tax prep", "estate planning"]
    assert split_answer("I fix bikes and I teach guitar") == ["I fix bikes", "I teach guitar"]


def test_and_before_a_new_subject_splits_even_when_a_short_list_stays_whole():
    """"severance" alone is no item, so the list of "and"s stays whole; the clause that opens with "I"
    is still an item of its own."""
    assert split_answer("I can answer questions about non-competes and severance and I grow Instagram "
                        "accounts for restaurants and shops") == [
        "I can answer questions about non-competes and severance",
        "I grow Instagram accounts for restaurants and shops"]
    assert split_answer("we cater office lunches and weddings & we also rent out chairs") == [
        "we cater office lunches and weddings", "we also rent out chairs"]
    # Typed on a phone, in lower case.
    assert split_answer("happy to talk about leases and permits and i know most landlords downtown") == [
        "happy to talk about leases and permits", "i know most landlords downtown"]
    # A subject of two people ("my wife and I", "Tom and I") is no clause to split off.
    assert split_answer("my wife and I run a bakery") == ["my wife and I run a bakery"]
    assert split_answer("Tom and I run a bakery") == ["Tom and I run a bakery"]


def test_a_label_that_describes_the_writer_is_an_item():
    assert split_answer("I'm a brand designer: logos, color palettes, type") == [
        "I'm a brand designer", "logos", "color palettes", "type"]
    # A heading is still only a heading.
    assert split_answer("Offering: logos, color palettes, type") == ["logos", "color palettes", "type"]


def test_items_in_any_script():
    assert split_answer("أحتاج محاسب") == ["أحتاج محاسب"]
    assert split_answer("Бухгалтерия; перевод") == ["Бухгалтерия", "перевод"]


def test_filler_only_item_has_no_substance():
    assert normalise_item("honestly") == ""
    assert "honestly" not in normalise_item("honestly, tax prep")
