"""The validation error of payout services: one message list per field and per line."""

from custody_portal.errors import ApplicationError


class PayoutInvalid(ApplicationError):
    """A draft (or edit) that cannot be stored; nothing was stored.

    `errors` is `{"non_field": [msg…], "<field>": [msg…], "destinations": {index: [msg…]}}`
    (index 0-based, in the order the lines were given); only keys with messages are present.
    `message` is a one-line summary for callers that show a single sentence.
    """

    def __init__(self, errors: dict) -> None:
        self.errors = errors
        super().__init__(_summary(errors), status=400)


def _summary(errors: dict) -> str:
    count = sum(len(v) for k, v in errors.items() if k != "destinations")
    count += sum(len(v) for v in errors.get("destinations", {}).values())
    first = next(
        (v[0] for k, v in errors.items() if k != "destinations" and v),
        next((v[0] for v in errors.get("destinations", {}).values() if v), ""),
    )
    if count <= 1:
        return first or "The payout is not valid."
    return f"The payout has {count} problems; the first: {first}"
