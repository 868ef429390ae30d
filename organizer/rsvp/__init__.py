"""The public RSVP form, guest edit links and guest services."""
