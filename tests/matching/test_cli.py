"""`pif match --csv ... --json` without a database, and `pif match SLUG` over an event's guests."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone

from organizer.extensions import db

ROWS = [
    {"name": "Priya Raman", "email": "Priya@Example.com", "company": "Northwind",
     "can_offer": "intros to finance recruiters\nI can review your pitch deck", "could_use": "a dog sitter",
     "badge": "1"},
    {"name": "Bob Ňovák", "email": "bob@example.com", "company": "Globex", "can_offer": "Spanish lessons",
     "could_use": "finding finance candidates, for my team", "badge": "2"},
    {"name": "Cara Lee", "email": "cara@example.com", "company": "Freelance",
     "can_offer": "dog walking & pet sitting", "could_use": "feedback on my startup pitch deck", "badge": "3"},
]


def test_csv_json_goes_to_stdout_and_progress_to_stderr(runner, write_csv):
    path = write_csv(ROWS)
    result = runner.invoke(args=["match", "--csv", str(path), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {(r["giver"], r["receiver"]) for r in rows} >= {("priya@example.com", "bob@example.com"),
                                                           ("cara@example.com", "priya@example.com")}
    assert all(set(r) == {"giver", "receiver", "score", "reason", "strength"} for r in rows)
    assert "guests read" in result.stderr


def test_csv_json_in_a_process_of_its_own_has_a_clean_stdout(write_csv):
    """The solver and the model are native code that could print to file descriptor 1 behind
    Python's back (HiGHS prints a banner unless told not to before it starts): a separate process's
    stdout, read whole, is the JSON and nothing else."""
    path = write_csv(ROWS)
    done = subprocess.run([sys.executable, "-c", "import sys; from organizer.cli import main; sys.exit(main())",
                           "match", "--csv", str(path), "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert ("priya@example.com", "bob@example.com") in {(r["giver"], r["receiver"]) for r in rows}
    assert "HiGHS" not in done.stdout + done.stderr


def test_csv_per_guest_limits_the_list(runner, write_csv):
    path = write_csv(ROWS, bom=False)
    result = runner.invoke(args=["match", "--csv", str(path), "--per-guest", "1", "--json"])
    rows = json.loads(result.stdout)
    receivers = [r["receiver"] for r in rows]
    assert len(receivers) == len(set(receivers))


def test_csv_table_output_and_errors(runner, write_csv, tmp_path):
    dee = {"name": "Dee Park", "email": "dee@example.com", "company": "", "can_offer": "bike repair",
           "could_use": "a grant writer for our food bank", "badge": "4"}
    table = runner.invoke(args=["match", "--csv", str(write_csv(ROWS + [dee]))])
    assert table.exit_code == 0
    assert "Bob Ňovák" in table.stdout and "offers" in table.stdout
    # Listed for the host with the same words as the sheet and the dashboard use.
    assert "Needs nobody here clearly offers" in table.stdout
    assert "Dee Park: a grant writer for our food bank" in table.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("name,company\nAnn,Acme\n", encoding="utf-8")
    failed = runner.invoke(args=["match", "--csv", str(bad), "--json"])
    assert failed.exit_code != 0 and "missing column" in failed.output
    neither = runner.invoke(args=["match"])
    assert neither.exit_code != 0


def test_csv_with_an_unclosed_quote_is_refused_not_read_short(runner, tmp_path):
    """Read leniently, the quote opened in row 2 swallows the next guests into Ann's offer and the
    matcher runs on one guest; it must name the row instead."""
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text('name,email,company,can_offer,could_use\n'
                        'Ann,ann@example.com,,"Bookkeeping, payroll,a designer\n'
                        'Bob,bob@example.com,,logo design,a bookkeeper\n'
                        'Cy,cy@example.com,,tax help,a logo\n', encoding="utf-8")
    failed = runner.invoke(args=["match", "--csv", str(unclosed), "--json"])
    assert failed.exit_code != 0 and failed.stdout == ""
    assert "row 2: a quote" in failed.output and "never closed" in failed.output
    stray = tmp_path / "stray.csv"
    stray.write_text('name,email,company,can_offer,could_use\nAnn,ann@example.com,,ok,fine\n'
                     'Bob,bob@example.com,,"logo" design,x\n', encoding="utf-8")
    failed = runner.invoke(args=["match", "--csv", str(stray), "--json"])
    assert failed.exit_code != 0 and "row 3: a stray quote" in failed.output
    header = tmp_path / "header.csv"
    header.write_text('name,"email,company,can_offer,could_use\nAnn,ann@example.com,,ok,fine\n', encoding="utf-8")
    failed = runner.invoke(args=["match", "--csv", str(header), "--json"])
    assert failed.exit_code != 0 and "row 1: a quote" in failed.output


def test_csv_as_spreadsheets_save_it(runner, tmp_path):
    """Semicolons (a European locale), Excel's "sep=" line, an empty file and another encoding."""
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text('name;email;company;can_offer;could_use\n'
                          'Priya;priya@example.com;Northwind;intros to finance recruiters;a dog sitter\n'
                          'Bob;bob@example.com;Globex;Spanish lessons;"finding finance candidates;\nfor my team"\n',
                          encoding="utf-8")
    done = runner.invoke(args=["match", "--csv", str(semicolons), "--json"])
    assert done.exit_code == 0, done.output
    assert ("priya@example.com", "bob@example.com") in {(r["giver"], r["receiver"]) for r in json.loads(done.stdout)}
    assert "2 guests read" in done.stderr
    excel = tmp_path / "excel.csv"
    excel.write_text("sep=;\n" + semicolons.read_text(encoding="utf-8") + 'Cy;;;x;y\n', encoding="utf-8")
    failed = runner.invoke(args=["match", "--csv", str(excel), "--json"])
    # Row 4 as a spreadsheet shows it: Excel hides the sep line, and Bob's two-line cell is one row.
    assert failed.exit_code != 0 and "row 4: an e-mail address is needed" in failed.output
    empty = tmp_path / "empty.csv"
    empty.write_text("\n", encoding="utf-8")
    failed = runner.invoke(args=["match", "--csv", str(empty), "--json"])
    assert failed.exit_code != 0 and "the file is empty" in failed.output
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,email,company,can_offer,could_use\nJosé,j@example.com,,café,x\n".encode("latin-1"))
    failed = runner.invoke(args=["match", "--csv", str(latin), "--json"])
    assert failed.exit_code != 0 and "row 2: the file is not UTF-8 text" in failed.output


def test_event_match_and_present_only(runner, make_event, make_guest):
    event = make_event(slug="spring-mixer")
    priya = make_guest(event, name="Priya", email="priya@example.com", company="Northwind",
                       can_offer="intros to finance recruiters", could_use="a dog sitter")
    make_guest(event, name="Bob", email="bob@example.com", company="Globex", can_offer="Spanish lessons",
               could_use="finding finance candidates")
    cara = make_guest(event, name="Cara", email="cara@example.com", company="", can_offer="pet sitting",
                      could_use="Spanish conversation practice")
    result = runner.invoke(args=["match", "spring-mixer", "--json"])
    assert result.exit_code == 0, result.output
    pairs = {(r["giver"], r["receiver"]) for r in json.loads(result.stdout)}
    assert ("priya@example.com", "bob@example.com") in pairs

    for guest in (priya, cara):
        guest.checked_in_at = datetime.now(timezone.utc)
    db.session.commit()
    present = runner.invoke(args=["match", "spring-mixer", "--json", "--present-only"])
    assert present.exit_code == 0, present.output
    people = {k for r in json.loads(present.stdout) for k in (r["giver"], r["receiver"])}
    assert people <= {"priya@example.com", "cara@example.com"}
    assert ("cara@example.com", "priya@example.com") in {(r["giver"], r["receiver"])
                                                          for r in json.loads(present.stdout)}

    missing = runner.invoke(args=["match", "no-such-party"])
    assert missing.exit_code != 0 and "no event" in missing.output


def test_table_scores_are_cut_so_a_possible_never_shows_the_strong_figure(monkeypatch):
    """A possible suggestion scoring 0.3996 was printed as 0.40, the strong threshold, beside
    another 0.40 marked ★: the table cuts to two decimals instead of rounding."""
    from organizer.matching import cli
    from organizer.matching.results import MatchOptions, MatchResult, Suggestion

    threshold = MatchOptions().strong_threshold
    just_under, exactly = threshold - 0.0004, threshold
    result = MatchResult([
        Suggestion("g1", "r", exactly, "strong", "reason one", "", ""),
        Suggestion("g2", "r", just_under, "possible", "reason two", "", ""),
    ], [])
    lines = []
    monkeypatch.setattr(cli.click, "echo", lambda text="", **k: lines.append(text))
    cli._print_table(result, {"g1": "Gia", "g2": "Gus", "r": "Ray"})
    strong = next(line for line in lines if "Gia" in line)
    possible = next(line for line in lines if "Gus" in line)
    assert f"{threshold:.2f}" in strong and "★" in strong
    assert f"{threshold - 0.01:.2f}" in possible and f"{threshold:.2f}" not in possible
    shown = [cli.shown_score(s).strip() for s in (0.29, 0.45, 0.4, 0.12999, 1.0)]
    assert shown == ["0.29", "0.45", "0.40", "0.12", "1.00"]


def test_table_names_a_close_possible_helper_beside_an_unserved_need(monkeypatch):
    from organizer.matching import cli
    from organizer.matching.results import NEAR_MISS_SCORE, MatchResult, Suggestion, UnservedNeed

    close = NEAR_MISS_SCORE
    result = MatchResult([
        Suggestion("henrik", "aisha", close + 0.09, "possible", "…", "intros to investors", "Investors"),
        Suggestion("chloe", "aisha", close - 0.05, "possible", "…", "public speaking", "a grant writer"),
    ], [UnservedNeed("aisha", "Investors", close + 0.09), UnservedNeed("aisha", "a grant writer", 0.25)])
    lines = []
    monkeypatch.setattr(cli.click, "echo", lambda text="", **k: lines.append(text))
    cli._print_table(result, {"henrik": "Henrik", "chloe": "Chloé", "aisha": "Aisha"})
    assert "  - Aisha: Investors (close, only a possible helper: Henrik)" in lines
    assert "  - Aisha: a grant writer" in lines


def test_csv_headers_as_the_import_accepts_them_and_guests_not_coming_left_out(runner, tmp_path):
    """The kit's own export (attendance column) or a form tool's headers ("What can you offer?",
    Eventbrite's first and last name) match as they import; guests who said no, or wait for a
    place, are not matched (as `pif match SLUG` leaves them out), and stderr says how many."""
    export = tmp_path / "export.csv"
    export.write_text(
        "First Name,Last Name,E-mail,Organisation,What can you offer?,What could you use?,attendance\n"
        "Priya,Raman,priya@example.com,Northwind,intros to finance recruiters,a dog sitter,yes\n"
        "Bob,Okafor,bob@example.com,Globex,Spanish lessons,finding finance candidates for my team,maybe\n"
        "Cara,Diaz,cara@example.com,,recruiting finance people,a Spanish tutor,no\n"
        "Dev,Shah,dev@example.com,,finance headhunting,Spanish lessons,waitlist\n", encoding="utf-8")
    done = runner.invoke(args=["match", "--csv", str(export), "--json"])
    assert done.exit_code == 0, done.output
    rows = json.loads(done.stdout)
    assert ("priya@example.com", "bob@example.com") in {(r["giver"], r["receiver"]) for r in rows}
    assert not {"cara@example.com", "dev@example.com"} & {e for r in rows for e in (r["giver"], r["receiver"])}
    assert "2 guests read; 2 left out, their attendance is no or waitlist" in done.stderr
    table = runner.invoke(args=["match", "--csv", str(export)])
    assert "Bob Okafor" in table.output and "Priya Raman" in table.output


def test_csv_from_a_form_with_the_kits_own_questions_and_present_only(runner, tmp_path):
    """A form tool using the RSVP form's labels ("Your name", "Company or organisation", "Are you
    coming?" answered "No, I can't make it"), and --present-only on the kit's export, which
    had been ignored without a word."""
    form = tmp_path / "form.csv"
    form.write_text(
        "Timestamp,Email Address,Your name,Company or organisation,What can you offer?,"
        "What could you use?,Are you coming?\n"
        "1,priya@example.com,Priya,Northwind,intros to finance recruiters,a dog sitter,\"Yes, I'll be there\"\n"
        "2,bob@example.com,Bob,Globex,Spanish lessons,finding finance candidates for my team,Maybe\n"
        "3,cara@example.com,Cara,,recruiting finance people,a Spanish tutor,\"No, I can't make it\"\n",
        encoding="utf-8")
    done = runner.invoke(args=["match", "--csv", str(form), "--json"])
    assert done.exit_code == 0, done.output
    assert "2 guests read; 1 left out" in done.stderr
    assert "cara@example.com" not in done.stdout and "bob@example.com" in done.stdout
    refused = runner.invoke(args=["match", "--csv", str(form), "--present-only"])
    assert refused.exit_code != 0 and "--present-only needs a checked_in_at column" in refused.output
    export = tmp_path / "export.csv"
    export.write_text("name,email,company,can_offer,could_use,attendance,checked_in_at\n"
                      "Priya,priya@example.com,N,intros to finance recruiters,a dog sitter,yes,2026-12-01 18:05\n"
                      "Bob,bob@example.com,G,Spanish lessons,finding finance candidates,yes,2026-12-01 18:10\n"
                      "Dev,dev@example.com,,finance headhunting,Spanish lessons,yes,\n", encoding="utf-8")
    present = runner.invoke(args=["match", "--csv", str(export), "--present-only", "--json"])
    assert present.exit_code == 0, present.output
    assert "2 guests read; 1 left out, not checked in" in present.stderr and "dev@example.com" not in present.stdout
