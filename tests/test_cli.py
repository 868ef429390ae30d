"""The pif command line: events, hosts, demo, import/export, backup and restore."""
import sqlite3

import pytest
from sqlalchemy import func, select

from organizer.extensions import db
from organizer.models import Event, Guest, Host


def test_event_create_with_timezone_and_errors(runner):
    result = runner.invoke(args=["event", "create", "meetup", "--title", "Meetup",
                                 "--starts", "2027-03-01 18:00", "--timezone", "Asia/Tokyo",
                                 "--capacity", "30"])
    assert result.exit_code == 0, result.output
    event = db.session.scalar(select(Event))
    assert event.starts_at.isoformat() == "2027-03-01T09:00:00+00:00" and event.capacity == 30
    again = runner.invoke(args=["event", "create", "meetup", "--title", "X",
                                "--starts", "2027-03-01 18:00"])
    assert again.exit_code != 0 and "is taken" in again.output
    bad = runner.invoke(args=["event", "create", "x", "--title", "X", "--starts", "tomorrow"])
    assert bad.exit_code != 0 and "YYYY-MM-DD HH:MM" in bad.output
    zone = runner.invoke(args=["event", "create", "y", "--title", "Y",
                               "--starts", "2027-03-01 18:00", "--timezone", "Mars/Olympus"])
    assert zone.exit_code != 0 and "Unknown time zone" in zone.output


def test_host_create_reads_password_from_environment(runner, monkeypatch):
    monkeypatch.setenv("PIF_HOST_PASSWORD", "a very long password")
    result = runner.invoke(args=["host", "create", "Boss@Example.com"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Host.email)) == "boss@example.com"


def test_host_create_prompts_for_password(runner, monkeypatch):
    monkeypatch.delenv("PIF_HOST_PASSWORD", raising=False)
    result = runner.invoke(args=["host", "create", "a@example.com"],
                           input="a very long password\na very long password\n")
    assert result.exit_code == 0, result.output


def test_demo_loads_forty_guests_once(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Guest)) == 40
    waitlisted = db.session.scalar(select(func.count()).select_from(Guest).where(
        Guest.attendance == "waitlist"))
    assert waitlisted >= 1


def test_import_then_export_round_trip(runner, make_event, tmp_path):
    make_event(slug="party")
    source = tmp_path / "in.csv"
    source.write_text("name,email,company,can_offer,could_use\n"
                      'Łucja Ørsted,l@example.com,ACME,"CV reviews,\nmock interviews",A CFO\n',
                      encoding="utf-8")
    assert runner.invoke(args=["import", "party", str(source)]).exit_code == 0
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["export", "party", "-o", str(out)])
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "Łucja Ørsted" in text and "CV reviews,\nmock interviews" in text


def test_import_of_unknown_event_fails_clearly(runner, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("name,email\nA,a@example.com\n")
    result = runner.invoke(args=["import", "nope", str(source)])
    assert result.exit_code != 0 and "No event with the slug 'nope'" in result.output


def test_backup_and_restore_sqlite_round_trip(app, runner, make_event, make_guest, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("the SQLite backup path; PostgreSQL is covered by test_backup_postgres")
    event = make_event(slug="keep")
    make_guest(event, name="Kept Guest")
    target = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["backup", "-o", str(target)]).exit_code == 0
    names = [r[0] for r in sqlite3.connect(target).execute("select name from guest")]
    assert names == ["Kept Guest"]
    make_guest(event, name="Added Later")
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert db.session.scalars(select(Guest.name)).all() == ["Kept Guest"]


def test_backup_postgres(app, runner, make_event, make_guest, tmp_path):
    import shutil
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("runs in the PostgreSQL pass of scripts/test")
    from tests.conftest import require
    require(shutil.which("pg_dump") is not None, "pg_dump is not installed")
    event = make_event(slug="keep")
    make_guest(event, name="Kept Guest")
    target = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    make_guest(event, name="Added Later")
    db.session.remove()
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(Guest.name)).all() == ["Kept Guest"]
