"""Domain errors raised by services and turned into messages by views and the CLI."""


class DomainError(Exception):
    """A request the kit understood but cannot carry out; the message is for the user."""
