"""What callers hand to the drafting services."""

from dataclasses import dataclass


@dataclass(frozen=True)
class LineInput:
    """One destination as the user typed it.

    `destination_type`: "wallet" | "external_account" | "public_address"; `destination_id`
    for the first two, `public_address` for the third; `amount` in coin units as typed
    ("0.001", "1,000.5") — parsed strictly by the service, never a float.
    """

    destination_type: str
    destination_id: int | None = None
    public_address: str | None = None
    amount: str = ""
    label: str = ""
