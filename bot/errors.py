"""The one base of every error a person can fix: front doors print its message, no traceback."""


class RelaisError(Exception):
    """A request that cannot be carried out as asked; the message says why and what to do."""
