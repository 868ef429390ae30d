"""Guest CSV import and export: the parser, the host upload page (CSRF on) and the CLI."""
from __future__ import annotations

import csv
import io
import json
import re
import time

import pytest
from sqlalchemy import func, select

from organizer.extensions import db
from organizer.hosting import csvio
from organizer.hosting.services import create_host
from organizer.models import Guest

HOST_EMAIL, HOST_PASSWORD = "host@example.com", "correct horse battery"
HEADER = "name,email,company,can_offer,could_use\n"

# Names in many scripts, already in NFC (the kit normalises text to NFC).
NAMES = [
    "Zoë Ångström-Núñez", "Дмитрий Иванов", "Ελένη Παπαδοπούλου", "Nguyễn Thị Minh Khai",
    "王小明", "佐藤 花子", "김민준", "محمد عبد الله", "דוד כהן", "سارة Sarah 2",
    "प्रिया शर्मा", "สมชาย ใจดี", "👩🏽‍💻 Ada Lovelace 🎉", "Siobhán Ó Briain", "Łukasz Żółć",
]


def csrf_token(html: bytes) -> str:  # bytes flavour of tests.conftest.csrf_from
    """The CSRF token of the first form on a page."""
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1).decode()


@pytest.fixture
def host_client(client):
    """A test client logged in as the host, through the real login form."""
    create_host(db.session, HOST_EMAIL, HOST_PASSWORD)
    db.session.commit()
    page = client.get("/host/login")
    response = client.post("/host/login", data={
        "email": HOST_EMAIL, "password": HOST_PASSWORD, "csrf_token": csrf_token(page.data)})
    assert response.status_code == 302, response.data
    return client


@pytest.fixture
def upload(host_client):
    """Upload bytes to an event's import page the way a browser does; returns the response."""

    def send(event, data: bytes | str, filename: str = "guests.csv"):
        if isinstance(data, str):
            data = data.encode("utf-8")
        page = host_client.get(f"/host/events/{event.slug}/import")
        assert page.status_code == 200
        return host_client.post(f"/host/events/{event.slug}/import", data={
            "csrf_token": csrf_token(page.data), "file": (io.BytesIO(data), filename)},
            content_type="multipart/form-data")

    return send


def guest_count(event) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Guest)
                             .where(Guest.event_id == event.id))


def guests_by_email(event) -> dict[str, Guest]:
    db.session.expire_all()
    guests = db.session.scalars(select(Guest).where(Guest.event_id == event.id))
    return {g.email: g for g in guests}


def import_errors(text: str) -> list[str]:
    """Parse a CSV that must fail; return its problems as "line N: reason" strings."""
    with pytest.raises(csvio.CsvImportError) as info:
        csvio.parse_guest_csv(text)
    return [str(e) for e in info.value.errors]


def page_text(response) -> str:
    return response.get_data(as_text=True)


# --- the parser ------------------------------------------------------------------------------

def test_bom_is_accepted():
    rows = csvio.parse_guest_csv(csvio.decode_csv(
        ("\ufeff" + HEADER + "Ann Lee,ann@example.com,Acme,Advice,Clients\n").encode()))
    assert [r.values["name"] for r in rows] == ["Ann Lee"]
    assert rows[0].values["email"] == "ann@example.com" and rows[0].extra == {}


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters(delimiter):
    text = (delimiter.join(["name", "email", "company", "can_offer", "could_use"]) + "\n"
            + delimiter.join(["Ann", "ann@example.com", "Acme, Inc", "Intros, advice", "Jobs"])
            + "\n")
    [row] = csvio.parse_guest_csv(text)
    assert row.values["company"] == "Acme, Inc"
    assert row.values["can_offer"] == "Intros, advice"


def test_excel_sep_line_names_the_delimiter_and_line_numbers_stay_true():
    text = "\ufeffsep=;\r\nname;email;company\r\nAnn;ann@example.com;A, B\r\nBob;bob@;\r\n"
    [error] = import_errors(csvio.decode_csv(text.encode()))
    assert error.startswith("line 4:")
    ann, bob = csvio.parse_guest_csv(csvio.decode_csv(text.replace("bob@", "bob@example.com")
                                                      .encode()))
    assert (ann.line, ann.values["company"], bob.line) == (3, "A, B", 4)


def test_quoted_multiline_answers_keep_their_lines_and_later_line_numbers():
    text = (HEADER + 'Ann,ann@example.com,Acme,"Intros\nto finance\nrecruiters",Jobs\r\n'
            "Bob,not-an-address,,,\n")
    errors = import_errors(text)
    # Ann's row spans lines 2-4, so Bob is on line 5.
    assert errors == [errors[0]] and errors[0].startswith("line 5:")
    ann, bob = csvio.parse_guest_csv(text.replace("not-an-address", "bob@example.com"))
    assert ann.values["can_offer"] == "Intros\nto finance\nrecruiters"
    assert (ann.line, bob.line) == (2, 5)


def test_missing_columns_are_named():
    [error] = import_errors("full_name,mail,company\nAnn,ann@example.com,Acme\n")
    assert error.startswith("line 1:")
    assert "missing column(s)" in error and "name" in error and "email" in error
    [error] = import_errors("name,company\nAnn,Acme\n")
    assert "email" in error and "name (" not in error


def test_duplicate_emails_name_both_lines():
    errors = import_errors(HEADER + "Ann,ann@example.com,,,\nBob,bob@example.com,,,\n"
                                    "Ann again,ANN@example.com,,,\n")
    assert len(errors) == 1
    assert errors[0].startswith("line 4:") and "line 2" in errors[0]


def test_row_with_extra_fields_is_reported_with_its_line():
    errors = import_errors(HEADER + "Ann,ann@example.com,Acme,Advice,Jobs\n"
                                    "Bob,bob@example.com,Acme,Advice, more,Jobs\n")
    assert len(errors) == 1 and errors[0].startswith("line 3:") and "fields" in errors[0]


def test_stray_quote_is_reported_with_its_line():
    # An opening quote that is never closed would swallow the rest of the file.
    errors = import_errors(HEADER + "Ann,ann@example.com,Acme,Advice,Jobs\n"
                                    'Bob,bob@example.com,"Acme,Advice,Jobs\n'
                                    "Cy,cy@example.com,Acme,Advice,Jobs\n"
                                    "Di,di@example.com,Acme,Advice,Jobs\n")
    assert len(errors) == 1 and errors[0].startswith("line 3:")
    assert "quote" in errors[0]


def test_quote_in_the_middle_of_a_field_is_reported_not_guessed():
    errors = import_errors(HEADER + '"Ann" Lee,ann@example.com,Acme,Advice,Jobs\n'
                                    "Bob,bob@example.com,Acme,Advice,Jobs\n"
                                    '"Cy" Ng,cy@example.com,,,\n')
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 4"]
    assert all("quote" in e for e in errors)


def test_invalid_and_empty_values_are_reported():
    errors = import_errors(HEADER + "Ann,ann@,Acme,,\n,bob@example.com,,,\nCy,   ,,,\n")
    assert errors[0].startswith("line 2:") and "'ann@' is not valid" in errors[0]
    assert errors[1].startswith("line 3:") and "name is empty" in errors[1]
    assert errors[2].startswith("line 4:") and "e-mail is empty" in errors[2]


def test_50kb_answer_is_rejected_with_the_limit_shown():
    answer = "help " * 10_240  # 50 kB
    [error] = import_errors(HEADER + f'Ann,ann@example.com,Acme,"{answer}",Jobs\n')
    assert error.startswith("line 2:") and "can_offer" in error and "1000" in error


def test_huge_cell_gets_a_clear_message():
    [error] = import_errors(HEADER + "Ann,ann@example.com,Acme," + "x" * 300_000 + ",Jobs\n")
    assert error.startswith("line 2:") and "too long" in error


def test_more_guests_than_any_party_is_refused_with_a_message(monkeypatch):
    """200 000 rows ran past the server's worker timeout: a bare error page, nothing imported."""
    monkeypatch.setattr(csvio, "MAX_IMPORT_ROWS", 3)
    rows = "".join(f"G{i},g{i}@example.com,,,\n" for i in range(4))
    [error] = import_errors(HEADER + rows)
    assert error == "line 5: the file has more than 3 guests; split it into smaller files"
    assert len(csvio.parse_guest_csv(HEADER + rows.rsplit("G3", 1)[0])) == 3


def test_header_only_file_imports_nothing():
    assert csvio.parse_guest_csv(HEADER) == []


def test_eventbrite_attendee_export_columns(make_event):
    event = make_event()
    text = ('"Order #","Order Date","First Name","Last Name","Email","Company",'
            '"Ticket Type","Attendee Status"\n'
            '"1001","2026-03-01","Priya","Raman","Priya.Raman@Example.com","Northwind",'
            '"General Admission","Attending"\n'
            '"1002","2026-03-02","Bob","","bob@example.com","","VIP","Attending"\n')
    result = csvio.import_guests(db.session, event, csvio.parse_guest_csv(text))
    assert len(result.added) == 2
    guests = guests_by_email(event)
    priya = guests["priya.raman@example.com"]
    assert (priya.name, priya.company, priya.source) == ("Priya Raman", "Northwind", "import")
    assert priya.extra == {"Order #": "1001", "Order Date": "2026-03-01",
                           "Ticket Type": "General Admission", "Attendee Status": "Attending"}
    assert guests["bob@example.com"].name == "Bob"


def test_existing_guests_are_left_unchanged(make_event, make_guest):
    event = make_event()
    make_guest(event, name="Ann Original", email="ann@example.com")
    rows = csvio.parse_guest_csv(HEADER + "Ann New,ANN@example.com,,,\nBob,bob@example.com,,,\n")
    result = csvio.import_guests(db.session, event, rows)
    assert [g.email for g in result.added] == ["bob@example.com"]
    assert result.skipped_existing == [(2, "ann@example.com")]
    guests = guests_by_email(event)
    assert guests["ann@example.com"].name == "Ann Original"
    assert sorted(g.badge_number for g in guests.values()) == [1, 2]


def test_export_neutralises_formulas(make_event, make_guest):
    event = make_event()
    make_guest(event, name="=HYPERLINK(\"http://evil\")", email="a@example.com",
               company="+SUM(A1)", can_offer="-1+2", could_use="@cmd", role="\tTab")
    make_guest(event, name="Plain = fine", email="b@example.com", company="a-b")
    rows = list(csv.DictReader(io.StringIO(csvio.export_guests_csv(db.session, event))))
    assert rows[0]["name"] == "'=HYPERLINK(\"http://evil\")"
    assert (rows[0]["company"], rows[0]["can_offer"], rows[0]["could_use"], rows[0]["role"]) == (
        "'+SUM(A1)", "'-1+2", "'@cmd", "'\tTab")
    assert (rows[1]["name"], rows[1]["company"]) == ("Plain = fine", "a-b")
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row


def test_non_utf8_file_gets_a_clear_message():
    data = (HEADER + "José Núñez,jose@example.com,Café,,\n").encode("latin-1")
    with pytest.raises(csvio.CsvImportError) as info:
        csvio.decode_csv(data)
    [error] = info.value.errors
    assert error.line == 2 and "UTF-8" in error.reason


# --- the host upload page (CSRF on) ----------------------------------------------------------

def test_upload_page_needs_login(client, make_event):
    event = make_event()
    create_host(db.session, HOST_EMAIL, HOST_PASSWORD)
    db.session.commit()
    response = client.get(f"/host/events/{event.slug}/import")
    assert response.status_code == 302 and "/host/login" in response.headers["Location"]


def test_upload_without_csrf_token_is_refused(host_client, make_event):
    event = make_event()
    response = host_client.post(f"/host/events/{event.slug}/import", data={
        "file": (io.BytesIO((HEADER + "Ann,ann@example.com,,,\n").encode()), "g.csv")},
        content_type="multipart/form-data")
    # The page comes back (not a bare 400) asking to submit again; nothing is imported.
    assert response.status_code == 200
    assert "form session expired" in response.get_data(as_text=True)
    assert guest_count(event) == 0


def test_upload_with_bom_and_semicolons(upload, make_event):
    event = make_event()
    data = "\ufeffname;email;company;can_offer;could_use\r\nAnn;ann@example.com;Acme;a, b;c\r\n"
    response = upload(event, data)
    assert response.status_code == 302
    assert guest_count(event) == 1
    assert guests_by_email(event)["ann@example.com"].can_offer == "a, b"


def test_upload_is_all_or_nothing_and_lists_every_bad_row(upload, make_event):
    event = make_event()
    lines = [HEADER.strip()]
    for i in range(1, 21):
        lines.append(f"Guest {i},guest{i}@example.com,Acme,Advice,Jobs")
    lines[5] = "Guest 5,not-an-address,Acme,Advice,Jobs"          # line 6
    lines[9] = ",guest9@example.com,Acme,Advice,Jobs"             # line 10
    lines[14] = "Guest 14,guest1@example.com,Acme,Advice,Jobs"    # line 15 (dup of line 2)
    lines[17] = "Guest 17,guest17@example.com,Acme,Advice,Jobs,x"  # line 18
    response = upload(event, "\n".join(lines) + "\n")
    assert response.status_code == 422
    text = page_text(response)
    assert "Nothing was imported" in text and "Fix these 4 problems and upload again" in text
    reported = re.findall(r"<li>Line (\d+):", text)
    assert reported == ["6", "10", "15", "18"]
    assert "also on line 2" in text
    assert guest_count(event) == 0


def test_upload_with_50kb_answer_shows_the_limit(upload, make_event):
    event = make_event()
    answer = "x" * 51_200
    response = upload(event, HEADER + f"Ann,ann@example.com,Acme,{answer},Jobs\n")
    assert response.status_code == 422
    assert "Line 2:" in page_text(response) and "the limit is 1000" in page_text(response)
    assert "Fix this problem and upload again" in page_text(response)  # not "these 1 problem"
    assert guest_count(event) == 0


def test_upload_non_utf8_shows_a_clear_message(upload, make_event):
    event = make_event()
    response = upload(event, (HEADER + "José,jose@example.com,,,\n").encode("cp1252"))
    assert response.status_code == 422
    assert "not UTF-8" in page_text(response) and "CSV UTF-8" in page_text(response)
    assert guest_count(event) == 0


def test_upload_of_missing_columns_names_them(upload, make_event):
    event = make_event()
    response = upload(event, "Person,Phone\nAnn,123\n")
    assert response.status_code == 422
    assert "missing column(s): name (or First Name / Last Name), email" in page_text(response)
    assert guest_count(event) == 0


def test_upload_of_an_empty_file(upload, make_event):
    event = make_event()
    response = upload(event, b"")
    assert response.status_code in (200, 422)
    assert "empty" in page_text(response).lower()
    assert guest_count(event) == 0


def test_upload_5000_rows_is_fast(upload, make_event):
    event = make_event()
    body = "".join(f"Guest {i},guest{i}@example.com,Company {i % 97},"
                   f"\"Advice on topic {i}, intros\",Clients in sector {i % 13}\n"
                   for i in range(5000))
    started = time.perf_counter()
    response = upload(event, HEADER + body)
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, page_text(response)[:2000]
    assert guest_count(event) == 5000
    numbers = db.session.scalars(select(Guest.badge_number).where(Guest.event_id == event.id))
    assert sorted(numbers) == list(range(1, 5001))
    assert elapsed < 8, f"5 000-row import took {elapsed:.1f}s"


def test_upload_of_a_realistic_5000_row_eventbrite_export(upload, make_event):
    """Over the 1 MB limit of other requests: the import page has a larger one of its own."""
    event = make_event()
    header = ('"Order #","Order Date","First Name","Last Name","Email","Quantity",'
              '"Ticket Type","Attendee #","Job Title","Company","Attendee Status",'
              '"What can you offer?","What could you use?"\n')
    body = "".join(
        f'"{100000 + i}","2026-03-01 10:{i % 60:02d}","Firstname{i}","Lastname-{i}",'
        f'"attendee{i}@example.com","1","General Admission","{200000 + i}","Engineer",'
        f'"Company number {i % 300}","Attending","Intros to people in sector {i % 40}, '
        f'advice on hiring","A mentor for topic {i % 25}; clients"\n' for i in range(5000))
    assert len(header + body) > 1_048_576
    response = upload(event, header + body)
    assert response.status_code == 302, page_text(response)[:500]
    assert guest_count(event) == 5000


def test_names_in_every_script_survive_import_db_and_export(upload, host_client, make_event):
    event = make_event()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "company", "can_offer", "could_use"])
    for i, name in enumerate(NAMES):
        writer.writerow([name, f"guest{i}@example.com", name, f"{name} offers\nhelp", "קצת עזרה"])
    assert upload(event, out.getvalue()).status_code == 302
    guests = guests_by_email(event)
    for i, name in enumerate(NAMES):
        guest = guests[f"guest{i}@example.com"]
        assert (guest.name, guest.company, guest.can_offer) == (name, name, f"{name} offers\nhelp")
    exported = host_client.get(f"/host/events/{event.slug}/export.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == NAMES
    assert [r["could_use"] for r in rows] == ["קצת עזרה"] * len(NAMES)
    # The guest table shows them exactly, escaped as text.
    table = page_text(host_client.get(f"/host/events/{event.slug}"))
    for name in NAMES:
        assert name in table


def test_html_in_csv_is_shown_as_text(upload, host_client, make_event):
    event = make_event()
    response = upload(event, HEADER + '"<script>alert(1)</script>",x@example.com,'
                                      '<b>bold</b>,<img src=x onerror=alert(2)>,ok\n')
    assert response.status_code == 302
    table = page_text(host_client.get(f"/host/events/{event.slug}"))
    assert "<script>alert(1)</script>" not in table and "&lt;script&gt;" in table
    assert "<img src=x" not in table


# --- the CLI ---------------------------------------------------------------------------------

def test_cli_import_and_export(runner, make_event, tmp_path):
    event = make_event(slug="cli-party")
    source = tmp_path / "guests.csv"
    source.write_bytes(("\ufeff" + HEADER + "Ann,ann@example.com,Acme,=1+1,Jobs\n"
                        + "".join(f"{n},g{i}@example.com,,,\n" for i, n in enumerate(NAMES)))
                       .encode("utf-8"))
    result = runner.invoke(args=["import", "cli-party", str(source)])
    assert result.exit_code == 0, result.output
    assert f"Imported {len(NAMES) + 1} guests into cli-party." in result.output
    assert guest_count(event) == len(NAMES) + 1

    target = tmp_path / "out.csv"
    result = runner.invoke(args=["export", "cli-party", "-o", str(target)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["Ann"] + NAMES
    assert rows[0]["can_offer"] == "'=1+1"

    result = runner.invoke(args=["export", "cli-party"])
    assert result.exit_code == 0 and result.output.startswith("name,email,company")

    # Importing the same file again adds nobody and says so.
    result = runner.invoke(args=["import", "cli-party", str(source)])
    assert result.exit_code == 0 and "Imported 0 guests" in result.output
    assert "ann@example.com is already a guest" in result.output


def test_cli_import_with_bad_rows_adds_nothing(runner, make_event, tmp_path):
    event = make_event(slug="cli-bad")
    source = tmp_path / "bad.csv"
    source.write_text(HEADER + "Ann,ann@example.com,,,\nBob,bob@,,,\nCy,ann@example.com,,,\n",
                      encoding="utf-8")
    result = runner.invoke(args=["import", "cli-bad", str(source)])
    assert result.exit_code != 0
    assert "line 3:" in result.output and "line 4:" in result.output
    assert guest_count(event) == 0
    result = runner.invoke(args=["import", "no-such-event", str(source)])
    assert result.exit_code != 0 and "no-such-event" in result.output


def test_extra_columns_survive_in_extra_json(upload, make_event):
    event = make_event()
    assert upload(event, "name,email,T-shirt size,Dietary needs\nAnn,ann@example.com,M,"
                         "vegan 🌱\n").status_code == 302
    guest = guests_by_email(event)["ann@example.com"]
    assert json.loads(guest.extra_json) == {"T-shirt size": "M", "Dietary needs": "vegan 🌱"}


def test_export_keeps_imported_extra_columns_and_writes_a_bom(runner, make_event, tmp_path):
    make_event(slug="extras")
    source = tmp_path / "eventbrite.csv"
    source.write_text("First Name,Last Name,Email,Company,Ticket Type\n"
                      "Ann,Lee,ann@example.com,Acme,VIP\n", encoding="utf-8")
    assert runner.invoke(args=["import", "extras", str(source)]).exit_code == 0
    target = tmp_path / "out.csv"
    assert runner.invoke(args=["export", "extras", "-o", str(target)]).exit_code == 0
    assert target.read_bytes().startswith("\ufeff".encode("utf-8"))
    [row] = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))
    assert row["name"] == "Ann Lee" and row["Ticket Type"] == "VIP"
