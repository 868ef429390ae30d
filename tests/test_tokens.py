"""Edit-link and badge tokens: ≥128 random bits, looked up by SHA-256, confirmed in constant time."""
from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import event, func, select, update

from organizer.dbtypes import new_token, utcnow
from organizer.door.checkin import checkin_guest, retire_badge_token
from organizer.door.models import RetiredBadgeToken
from organizer.door.walkins import WalkinForm, add_walkin
from organizer.extensions import db
from organizer.hosting import csvio
from organizer.hosting.demo import load_demo_event
from organizer.models import Guest
from organizer.rsvp.services import (
    GuestAnswers,
    create_guest,
    find_guest_by_badge_token,
    find_guest_by_edit_token,
    submit_rsvp,
)
from tests.conftest import csrf_from


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def assert_digests_right(session) -> None:
    """Every guest and retired token in the database carries the SHA-256 of its token."""
    session.expire_all()
    guests = session.scalars(select(Guest)).all()
    assert guests
    for guest in guests:
        assert len(guest.edit_token) >= 22 and len(guest.badge_token) >= 22  # ≥ 128 bits
        assert guest.edit_token_hash == sha(guest.edit_token), guest.source
        assert guest.badge_token_hash == sha(guest.badge_token), guest.source
    for retired in session.scalars(select(RetiredBadgeToken)):
        assert retired.token_hash == sha(retired.token)


@pytest.fixture
def sql_log(app):
    """Every statement and its parameters sent to the database while the list is recording."""
    log: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        log.append(f"{statement} {parameters!r}")

    event.listen(db.engine, "before_cursor_execute", record)
    yield log
    event.remove(db.engine, "before_cursor_execute", record)


def test_new_token_has_at_least_128_bits():
    token = new_token()
    assert len(token) * 6 >= 128 and token != new_token()


def test_every_way_a_guest_is_made_sets_the_digests(app, client, host_client, make_event,
                                                    make_guest):
    event = make_event(slug="all-ways")
    make_guest(event)  # the bare constructor
    submit_rsvp(db.session, event, GuestAnswers(name="Rsvp", email="rsvp@example.com"),
                base_url="http://party.test")
    create_guest(db.session, event, GuestAnswers(name="Direct"), source="rsvp")
    db.session.commit()
    add_walkin(db.session, event, WalkinForm(name="Walk In"), None, utcnow())
    rows = csvio.parse_guest_csv("name,email\nImported,imp@example.com\n")
    csvio.import_guests(db.session, event, rows)
    db.session.commit()
    load_demo_event(db.session)
    db.session.commit()
    # Reissue through the host page, as a host does for a lost badge.
    guest = db.session.scalar(select(Guest).where(Guest.name == "Rsvp"))
    page = host_client.get(f"/host/events/all-ways/guests/{guest.id}")
    old = guest.badge_token
    response = host_client.post(f"/host/events/all-ways/guests/{guest.id}/reissue-badge",
                                data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert_digests_right(db.session)
    assert db.session.scalar(select(RetiredBadgeToken.token_hash)) == sha(old)
    assert db.session.get(Guest, guest.id).badge_token_hash != sha(old)


def test_digest_follows_a_changed_token_before_any_flush(app, make_event, make_guest):
    guest = make_guest(make_event())
    guest.badge_token = "Z" * 24
    assert guest.badge_token_hash == sha("Z" * 24)


def test_lookups_send_only_the_digest_to_the_database(app, make_event, make_guest, sql_log):
    guest = make_guest(make_event())
    edit, badge = guest.edit_token, guest.badge_token
    db.session.expire_all()
    sql_log.clear()
    assert find_guest_by_edit_token(db.session, edit).id == guest.id
    assert find_guest_by_badge_token(db.session, badge).id == guest.id
    sent = "\n".join(sql_log)
    assert sha(edit) in sent and sha(badge) in sent
    lookups = [s for s in sql_log if "WHERE" in s]
    assert not any(edit in s or badge in s for s in lookups)


def test_a_digest_match_with_another_token_is_refused(app, make_event, make_guest):
    """The constant-time comparison is what decides, not the digest alone."""
    guest = make_guest(make_event())
    edit, badge = guest.edit_token, guest.badge_token
    # Change the raw tokens behind the ORM's back: the stored digests no longer fit them.
    db.session.execute(update(Guest).where(Guest.id == guest.id).values(
        edit_token=new_token(), badge_token=new_token()))
    db.session.commit()
    assert find_guest_by_edit_token(db.session, edit) is None
    assert find_guest_by_badge_token(db.session, badge) is None


@pytest.mark.parametrize("token", ["", None, "x" * 65, "\x00", "é" * 30, "\ud800abc"])
def test_odd_tokens_find_nobody(app, make_event, make_guest, token):
    make_guest(make_event())
    assert find_guest_by_edit_token(db.session, token) is None
    assert find_guest_by_badge_token(db.session, token) is None


def test_edit_link_and_badge_link_pages(client, make_event, make_guest):
    guest = make_guest(make_event())
    assert client.get(f"/r/{guest.edit_token}").status_code == 200
    assert client.get(f"/r/{guest.edit_token[:-1]}").status_code == 404
    assert client.get(f"/r/{guest.badge_token}").status_code == 404
    assert client.get(f"/b/{guest.badge_token}").status_code == 200
    assert client.get(f"/b/{guest.edit_token}").status_code == 404


def test_door_scans_go_by_digest_and_add_no_query(app, make_event, make_guest, sql_log):
    from organizer.door.keys import create_door_key
    event = make_event()
    door = create_door_key(db.session, event, "Front", utcnow()).door_key
    guests = [make_guest(event) for _ in range(3)]
    old = guests[2].badge_token
    retire_badge_token(db.session, guests[2], utcnow())
    db.session.commit()
    counts = {}
    for label, code in (("ok", guests[0].badge_token), ("unknown", new_token()),
                        ("revoked", old)):
        db.session.expire_all()
        sql_log.clear()
        assert checkin_guest(db.session, event, code, door, utcnow()).result == label
        assert not any(code in s for s in sql_log if s.startswith("SELECT"))
        counts[label] = sum(1 for s in sql_log
                            if s.startswith(("SELECT guest.", "SELECT retired_badge_token.")))
    # A scan reads the guest by digest, then on a miss the retired tokens by digest (and the
    # revoked badge's guest): the same queries as before digests, none added.
    assert counts == {"ok": 1, "unknown": 2, "revoked": 3}


def test_import_and_export_keep_tokens_out_of_the_csv(app, make_event, make_guest):
    event = make_event()
    guest = make_guest(event)
    text = csvio.export_guests_csv(db.session, event)
    assert guest.edit_token not in text and guest.badge_token not in text
    assert guest.edit_token_hash not in text
    assert db.session.scalar(select(func.count()).select_from(Guest)) == 1
    assert io.StringIO(text).readline().startswith("name,")
