"""The app builds and its factories work."""


def test_factories_create_rows(make_event, make_guest):
    event = make_event(title="Smoke")
    guest = make_guest(event, name="Zoë Ωmega")
    assert guest.badge_number == 1
    assert make_guest(event).badge_number == 2
    assert len(guest.badge_token) >= 22 and guest.badge_token != guest.edit_token
    assert event.starts_at.tzinfo is not None
