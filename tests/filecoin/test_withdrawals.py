"""Reward withdrawal form: exact attoFIL, fee preset or rate, refused before anything is
created when above the available balance or in fee debt; then a `fil_reward` payout.

The contract tests stand a recorder in for `payout_create_fil_reward` (to see exactly what
the form hands over, and that refused input never reaches it); the last tests go through
the real payouts workflow.
"""

from decimal import Decimal

import pytest

from filecoin.services import withdrawals

from .factories import FIL, StorageProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorder(monkeypatch):
    """Stands in for payouts.services.payout_create_fil_reward; records each call."""
    calls = []

    class Payout:
        pk = 42
        reference = "PO-000042"

    def create(**kwargs):
        calls.append(kwargs)
        return Payout()

    monkeypatch.setattr(withdrawals, "_payout_create_fil_reward", lambda: create)
    return calls


@pytest.fixture
def provider():
    return StorageProviderFactory(available_balance=10_420_498_318_709_580_000_000)


def test_a_valid_request_hands_exact_fil_to_the_payouts_workflow(
    operator, operator_client, provider, recorder
):
    response = operator_client.post(
        f"/filecoin/{provider.id}/withdraw/",
        {"amount": "10,420.49831870958", "fee": "fast", "note": "Q3 rewards"},
    )

    assert response.status_code == 302
    assert recorder == [
        {
            "created_by": operator,
            "source_wallet_id": provider.wallet_id,
            "storage_provider_id": provider.id,
            "amount": "10420.498318709580000000",
            "fee": "fast",
            "note": "Q3 rewards",
        }
    ]
    page = operator_client.get(f"/filecoin/{provider.id}/").content.decode()
    assert "Reward withdrawal PO-000042 created: it is waiting for approval" in page


@pytest.mark.parametrize(
    ("amount", "fee", "field", "message"),
    [
        ("10420.498318709580000001", "medium", "amount", "More than the available balance"),
        ("1.0000000000000000001", "medium", "amount", "at most 18 decimal places"),
        ("abc", "medium", "amount", "Enter the amount in digits"),
        ("0,5", "medium", "amount", "Use a dot for decimals"),
        ("0", "medium", "amount", "greater than zero"),
        ("1", "turbo", "fee", "Choose slow, medium or fast"),
        ("1", "1e3", "fee", "Choose slow, medium or fast"),
        ("1", "-2", "fee", "Choose slow, medium or fast"),
        ("1", "0.5", "fee", "whole-number rate"),
    ],
)
def test_bad_input_is_refused_before_anything_is_created(
    operator_client, provider, recorder, amount, fee, field, message
):
    response = operator_client.post(
        f"/filecoin/{provider.id}/withdraw/", {"amount": amount, "fee": fee}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert recorder == []
    assert f'data-testid="withdrawal-{field}-error">' in html and message in html
    assert f'value="{amount}"' in html  # the input is kept


def test_fee_debt_refuses_any_amount(operator_client, recorder):
    indebted = StorageProviderFactory(available_balance=-FIL - 1)

    response = operator_client.post(
        f"/filecoin/{indebted.id}/withdraw/", {"amount": "0.000000000000000001"}
    )

    html = response.content.decode()
    assert response.status_code == 400 and recorder == []
    assert (
        "is in fee debt (−1.000000000000000001 FIL available): no reward can be withdrawn" in html
    )


def test_a_fee_rate_is_a_whole_number(provider, recorder, operator):
    withdrawals.reward_withdrawal_request(
        provider=provider, user=operator, amount="1", fee=" 0250 ", note=""
    )

    assert recorder[0]["fee"] == "250"
    assert Decimal(recorder[0]["amount"]) == 1


def test_the_payouts_refusal_reaches_the_form(operator_client, provider, monkeypatch):
    from custody_portal.errors import ApplicationError

    class PayoutInvalid(ApplicationError):
        def __init__(self, errors):
            super().__init__("invalid")
            self.errors = errors

    def refuse(**kwargs):
        raise PayoutInvalid(
            {"non_field": ["The policy forbids FIL payouts today."], "fee": ["Fee too low."]}
        )

    monkeypatch.setattr(withdrawals, "_payout_create_fil_reward", lambda: refuse)

    html = operator_client.post(
        f"/filecoin/{provider.id}/withdraw/", {"amount": "1", "fee": "1"}
    ).content.decode()

    assert "The policy forbids FIL payouts today." in html
    assert 'data-testid="withdrawal-fee-error">Fee too low.' in html


def test_a_reward_withdrawal_waits_for_approval(
    operator, operator_client, fil_wallets, fil_sandbox
):
    """GIVEN a provider read from the sandbox
    WHEN an operator requests a reward withdrawal
    THEN a `fil_reward` payout of the exact attoFIL waits for a second person's approval."""
    from filecoin.services import storage_providers_refresh
    from payouts.models import Payout

    storage_providers_refresh()
    response = operator_client.post(
        "/filecoin/125/withdraw/", {"amount": "0.000000123", "fee": "medium", "note": "e2e"}
    )

    assert response.status_code == 302
    payout = Payout.objects.get(kind="fil_reward", storage_provider_id=125)
    assert payout.status == "pending_approval"
    assert payout.total == 123_000_000_000 and payout.created_by == operator
    assert "waiting for approval" in operator_client.get("/filecoin/125/").content.decode()
    payout_page = operator_client.get(f"/payouts/{payout.pk}/").content.decode()
    assert 'href="/filecoin/125/"' in payout_page


def test_open_withdrawals_count_against_the_available_balance(operator_client):
    """GIVEN a provider with 10 FIL available and a 7 FIL withdrawal waiting for approval
    WHEN another 4 FIL is requested
    THEN it is refused (3 FIL left), and 3 FIL is accepted."""
    from payouts.models import Payout

    provider = StorageProviderFactory(available_balance=10 * FIL)
    url = f"/filecoin/{provider.id}/withdraw/"
    assert operator_client.post(url, {"amount": "7"}).status_code == 302

    refused = operator_client.post(url, {"amount": "4"})
    accepted = operator_client.post(url, {"amount": "3"})

    assert refused.status_code == 400
    assert "7.000000000000000000 FIL already requested in open withdrawals" in (
        refused.content.decode()
    )
    assert accepted.status_code == 302
    assert sorted(Payout.objects.values_list("total", flat=True)) == [3 * FIL, 7 * FIL]
