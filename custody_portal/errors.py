"""The one application error type that services raise for the user to read."""


class ApplicationError(Exception):
    """A failure the user can act on; `message` is shown as-is (form error, HTMX, API 4xx).

    `status` is the HTTP status an API view answers with (400 bad input, 409 conflict,
    502/503 when Balance is unreachable or refused us).
    """

    def __init__(self, message: str, *, status: int = 400, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field
