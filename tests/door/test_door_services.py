"""Check-in services without HTTP: parsing, every result, undo, keys, search, stats, walk-ins."""
from __future__ import annotations

from datetime import timedelta

import pytest

from organizer.dbtypes import utcnow
from organizer.door.checkin import NothingToUndo, checkin_guest, parse_badge_code, retire_badge_token, undo_last_checkin
from organizer.door.keys import (
    DoorKeyMissing,
    DoorKeyNameError,
    DoorKeyRevoked,
    DoorKeyUnknown,
    DoorKeyWrongEvent,
    authenticate_door_key,
    list_door_keys,
    next_door_name,
    revoke_door_key,
)
from organizer.door.models import CheckinLog
from organizer.door.roster import checkin_stats, guest_list_for_door, normalise_name, search_guests, token_hash
from organizer.door.walkins import WalkinError, WalkinForm, add_walkin
from organizer.extensions import db
from organizer.models import Attendance

TOKEN = "AbCdEfGhIjKlMnOpQrStUvWx"


@pytest.mark.parametrize("text", [
    TOKEN, f"  {TOKEN}\n", f"http://party.test/b/{TOKEN}", f"HTTPS://Party.Test/b/{TOKEN}/",
    f"https://party.test/b/{TOKEN}?utm=x#frag", f"party.test/b/{TOKEN}", f"/b/{TOKEN}",
    f" Https://party.test/B/{TOKEN} "])
def test_parse_badge_code_accepts_url_or_token(text):
    assert parse_badge_code(text) == TOKEN


@pytest.mark.parametrize("text", ["", "   ", None, "hello", "http://party.test/e/abc",
                                  "http://x/b/short", "javascript:alert(1)", "a b c d e f g h i"])
def test_parse_badge_code_rejects_other_text(text):
    assert parse_badge_code(text) is None


def test_every_result(make_event, make_guest, make_door_key, badge_url):
    event, other = make_event(), make_event()
    key, _ = make_door_key(event, "Door 2")
    alice = make_guest(event, name="Alice", can_offer="Intros to designers\nand more")
    bob = make_guest(other, name="Bob")
    carol = make_guest(event, name="Carol", attendance=Attendance.no)
    dave = make_guest(event, name="Dave", attendance=Attendance.waitlist)
    erin = make_guest(event, name="Erin")
    old_token = erin.badge_token
    retire_badge_token(db.session, erin, utcnow())
    db.session.commit()
    now = utcnow()

    ok = checkin_guest(db.session, event, badge_url(alice), key, now)
    assert ok.result == "ok" and ok.guest.id == alice.id and ok.first_door == "Door 2"
    again = checkin_guest(db.session, event, alice.badge_token, key, now + timedelta(minutes=5))
    assert again.result == "already"
    assert again.first_checked_in_at == now and again.first_door == "Door 2"
    assert checkin_guest(db.session, event, "nonsense", key, now).result == "unknown"
    assert checkin_guest(db.session, event, "Q" * 22, key, now).result == "unknown"
    wrong = checkin_guest(db.session, event, badge_url(bob), key, now)
    assert wrong.result == "wrong_event" and wrong.guest is None
    assert checkin_guest(db.session, event, old_token, key, now).result == "revoked"
    declined = checkin_guest(db.session, event, carol.badge_token, key, now)
    assert declined.result == "not_attending" and "declined" in declined.reason
    assert checkin_guest(db.session, event, dave.badge_token, key, now).result == "not_attending"
    assert checkin_guest(db.session, event, erin.badge_token, key, now).result == "ok"
    results = [r.result for r in db.session.scalars(db.select(CheckinLog).order_by(CheckinLog.id))]
    assert results == ["ok", "already", "unknown", "unknown", "wrong_event", "revoked",
                       "not_attending", "not_attending", "ok"]


def test_idempotency_key_replays_first_answer(make_event, make_guest, make_door_key):
    event = make_event()
    key, _ = make_door_key(event)
    guest = make_guest(event)
    first = checkin_guest(db.session, event, guest.badge_token, key, utcnow(), "k-1")
    replay = checkin_guest(db.session, event, guest.badge_token, key, utcnow(), "k-1")
    assert first.result == replay.result == "ok" and replay.replayed
    assert db.session.scalar(db.select(db.func.count()).select_from(CheckinLog)) == 1


def test_offline_scan_earliest_wins(make_event, make_guest, make_door_key):
    event = make_event()
    front, _ = make_door_key(event, "Front")
    side, _ = make_door_key(event, "Side")
    guest, other = make_guest(event), make_guest(event)
    now = utcnow()
    # Side door admitted the guest online at now; Front had scanned them offline 3 minutes before.
    checkin_guest(db.session, event, guest.badge_token, side, now)
    late_sync = checkin_guest(db.session, event, guest.badge_token, front,
                              now + timedelta(minutes=1), "off-1",
                              scanned_at=now - timedelta(minutes=3))
    assert late_sync.result == "ok" and late_sync.conflict["door"] == "Side"
    assert guest.checked_in_at == now - timedelta(minutes=3)
    assert late_sync.first_door == "Front"
    # An offline scan later than the standing check-in loses and says so.
    checkin_guest(db.session, event, other.badge_token, side, now)
    lost = checkin_guest(db.session, event, other.badge_token, front, now + timedelta(minutes=2),
                         "off-2", scanned_at=now + timedelta(minutes=1))
    assert lost.result == "already" and lost.conflict["door"] == "Side"


def test_undo_last_checkin(make_event, make_guest, make_door_key):
    event = make_event()
    key, _ = make_door_key(event)
    a, b = make_guest(event), make_guest(event)
    checkin_guest(db.session, event, a.badge_token, key, utcnow())
    checkin_guest(db.session, event, b.badge_token, key, utcnow())
    assert undo_last_checkin(db.session, event, key, utcnow()).id == b.id
    assert b.checked_in_at is None and a.checked_in_at is not None
    assert undo_last_checkin(db.session, event, key, utcnow()).id == a.id
    with pytest.raises(NothingToUndo):
        undo_last_checkin(db.session, event, key, utcnow())
    assert checkin_guest(db.session, event, a.badge_token, key, utcnow()).result == "ok"


def test_door_keys(make_event, make_door_key):
    event, other = make_event(), make_event()
    key, secret = make_door_key(event, "Front door")
    assert len(secret) >= 32 and secret not in key.key_hash
    assert authenticate_door_key(db.session, event, secret).id == key.id
    with pytest.raises(DoorKeyMissing):
        authenticate_door_key(db.session, event, "")
    with pytest.raises(DoorKeyUnknown):
        authenticate_door_key(db.session, event, secret + "x")
    with pytest.raises(DoorKeyWrongEvent):
        authenticate_door_key(db.session, other, secret)
    with pytest.raises(DoorKeyNameError):
        make_door_key(event, "Front  door ")
    assert next_door_name(db.session, event) == "Door 1"
    revoke_door_key(db.session, event, key.id, utcnow())
    db.session.commit()
    with pytest.raises(DoorKeyRevoked):
        authenticate_door_key(db.session, event, secret)
    assert [k.is_revoked for k in list_door_keys(db.session, event)] == [True]


def test_search_ignores_accents_and_case(make_event, make_guest):
    event = make_event()
    for name in ["Zoë Ångström", "Nguyễn Văn Đức", "Пётр Ильич", "Zoe Smith", "Σωκράτης"]:
        make_guest(event, name=name)
    assert normalise_name("  ZOË  Ångström ") == "zoe angstrom"
    assert [g.name for g in search_guests(db.session, event, "zoe")] == ["Zoë Ångström",
                                                                         "Zoe Smith"]
    assert [g.name for g in search_guests(db.session, event, "DUC")] == ["Nguyễn Văn Đức"]
    assert [g.name for g in search_guests(db.session, event, "петр")] == ["Пётр Ильич"]
    assert [g.name for g in search_guests(db.session, event, "σωκρ")] == ["Σωκράτης"]
    assert search_guests(db.session, event, "   ") == []


def test_search_is_fast_with_2000_guests(make_event):
    import time

    from organizer.models import Guest
    event = make_event()
    db.session.add_all([Guest(event_id=event.id, name=f"Gäst Nummer {i}", email=f"g{i}@x.org",
                              badge_number=i + 1) for i in range(2000)])
    db.session.commit()
    started = time.perf_counter()
    found = search_guests(db.session, event, "nummer 1999")
    assert [g.name for g in found] == ["Gäst Nummer 1999"]
    assert time.perf_counter() - started < 0.5


def test_stats_and_guest_list(make_event, make_guest, make_door_key):
    event = make_event(timezone="UTC")
    key, _ = make_door_key(event)
    a = make_guest(event)
    make_guest(event, attendance=Attendance.maybe)
    make_guest(event, attendance=Attendance.no)
    checkin_guest(db.session, event, a.badge_token, key, utcnow())
    stats = checkin_stats(db.session, event)
    assert (stats["arrived"], stats["expected"]) == (1, 2)
    assert stats["arrivals"][0]["arrivals"] == 1
    listing = guest_list_for_door(db.session, event)
    assert len(listing["guests"]) == 3
    assert {g["token_hash"] for g in listing["guests"]} >= {token_hash(a.badge_token)}
    assert all("badge_token" not in g and "email" not in g for g in listing["guests"])


def test_walkin_is_checked_in(make_event, make_door_key):
    event = make_event(capacity=1)
    key, _ = make_door_key(event)
    first = add_walkin(db.session, event, WalkinForm(name=" Mia  Wong ", can_offer="Design\nhelp"),
                       key, utcnow())
    second = add_walkin(db.session, event, WalkinForm(name="Li"), key, utcnow())
    assert first.name == "Mia Wong" and first.can_offer == "Design help"
    assert first.source == "walkin" and first.checked_in_at is not None
    assert second.attendance == Attendance.yes and second.badge_number == first.badge_number + 1
    with pytest.raises(WalkinError) as error:
        add_walkin(db.session, event, WalkinForm(name="  "), key, utcnow())
    assert error.value.field == "name"
