"""A lost badge: the host confirms on a page of its own (no JS needed) before the code changes."""
from __future__ import annotations

import re

from organizer.extensions import db
from organizer.models import Guest
from tests.conftest import csrf_from


def test_reissuing_a_badge_asks_first(host_client, make_event, make_guest):
    event = make_event(slug="spring")
    guest = make_guest(event, name="Ada Lovelace")
    old = guest.badge_token
    action = f"/host/events/spring/guests/{guest.id}/reissue-badge"
    page = host_client.get(f"/host/events/spring/guests/{guest.id}")
    # The guest page has no button that reissues at once: only a link to the question.
    assert not re.search(rf'<form[^>]*action="{action}"', page.text)
    assert f'href="{action}"' in page.text and "Lost badge? Issue a new QR code" in page.text
    question = host_client.get(action)
    assert question.status_code == 200
    assert "Issue a new QR code for <bdi>Ada Lovelace</bdi>?" in question.text
    assert re.search(rf'<form method="post" action="{action}"', question.text)
    assert f'href="/host/events/spring/guests/{guest.id}">Cancel' in question.text
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).badge_token == old  # asking changed nothing
    done = host_client.post(action, data={"csrf_token": csrf_from(question)})
    assert done.status_code == 302 and done.location.endswith(f"/guests/{guest.id}")
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).badge_token != old


def test_reissue_question_is_for_this_events_guests_only(host_client, make_event, make_guest):
    make_event(slug="spring")
    other = make_guest(make_event(slug="other"), name="Olga Other")
    assert host_client.get(f"/host/events/spring/guests/{other.id}/reissue-badge").status_code == 404
    assert host_client.get("/host/events/spring/guests/999/reissue-badge").status_code == 404
