"""Errors a user can act on. Raised anywhere, shown privately by the one error handler."""

from collections.abc import Mapping


class UserError(Exception):
    """Something the person did that Touchpoint will not do; the message says what to do instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UserError):
    """The person is not an L&D member."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "Sorry, only the L&D team can manage initiatives. If you think you should be able to, "
            "ask an L&D team member to add you."
        )


class TouchpointClosed(UserError):
    """An answer arrived for a touchpoint that is not open to this person."""


class FormInvalid(UserError):
    """Inline errors for a modal, keyed by block id."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)
