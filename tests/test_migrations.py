"""Alembic migrations build exactly the schema the models describe, on both databases."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from organizer.extensions import db


def _empty_database() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_upgrade_matches_models_and_downgrade_empties(app):
    _empty_database()
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    downgrade(revision="base")
    remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    upgrade()  # leave a full schema for the fixture's teardown


def test_token_digest_migration_fills_existing_rows_and_keeps_their_children(app):
    """Rows written before the digests existed get them, and nothing that points at a guest is
    lost when SQLite re-creates the table (with foreign keys on, DROP TABLE would cascade)."""
    import hashlib

    from organizer.dbtypes import new_token

    _empty_database()
    upgrade(revision="71f03b8a15ad")
    edit, badge, old = new_token(), new_token(), new_token()
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO event (id, slug, title, starts_at, timezone, venue, "
                       "description, is_open, is_demo, categories_json, created_at) VALUES "
                       "(1, 'old', 'Old', '2030-01-01 18:00:00', 'UTC', '', '', true, false, "
                       "'[]', '2029-01-01 00:00:00')"))
        c.execute(text("INSERT INTO guest (id, event_id, name, email, company, role, can_offer, "
                       "could_use, categories_json, consent_share, attendance, source, "
                       "badge_number, edit_token, badge_token, extra_json, created_at, "
                       "updated_at) VALUES (1, 1, 'Ada', 'ada@example.com', '', '', '', '', "
                       "'[]', false, 'yes', 'rsvp', 1, :edit, :badge, '{}', "
                       "'2029-01-01 00:00:00', '2029-01-01 00:00:00')"),
                  {"edit": edit, "badge": badge})
        c.execute(text("INSERT INTO retired_badge_token (token, guest_id, event_id, retired_at) "
                       "VALUES (:old, 1, 1, '2029-01-01 00:00:00')"), {"old": old})
        c.execute(text("INSERT INTO checkin_log (event_id, guest_id, door_name, result, "
                       "created_at, detail) VALUES (1, 1, 'Front', 'ok', "
                       "'2029-01-01 00:00:00', '')"))
    upgrade()

    def sha(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    with db.engine.connect() as c:
        assert c.execute(text("SELECT edit_token_hash, badge_token_hash FROM guest")).one() == (
            sha(edit), sha(badge))
        assert c.execute(text("SELECT token_hash FROM retired_badge_token")).scalar_one() == \
            sha(old)
        assert c.execute(text("SELECT guest_id FROM checkin_log")).scalar_one() == 1
    checks = {ck["name"] for ck in inspect(db.engine).get_check_constraints("guest")}
    assert "ck_guest_badge_number_positive" in checks

    from organizer.models import Guest
    from organizer.rsvp.services import find_guest_by_badge_token, find_guest_by_edit_token
    db.session.remove()
    assert find_guest_by_edit_token(db.session, edit).name == "Ada"
    assert find_guest_by_badge_token(db.session, badge).name == "Ada"
    assert db.session.get(Guest, 1).edit_token == edit
