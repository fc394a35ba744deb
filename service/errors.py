"""Errors that reach the user as one line of Chinese (CLI exit 2, HTTP 4xx)."""


class InputError(Exception):
    """Bad input: the message (``str(err)``) is one Chinese line for the user."""

    code = "invalid_input"


class NotThisGenreError(InputError):
    code = "not_this_genre"


class EmptyTextError(InputError):
    code = "empty_text"
