"""Host accounts, events and the host dashboard."""
