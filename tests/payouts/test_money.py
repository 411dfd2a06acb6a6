"""Money in payouts is exact: coin-unit input round-trips, totals beyond 2^53 stay exact."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custody_portal.money import format_coin, from_base_units
from payouts.models import PayoutStatus
from payouts.services import LineInput, payout_approve, payout_create, payout_send
from tests.factories import UserFactory
from tests.payouts.conftest import OTHER_WALLET, SOURCE, send_calls
from tests.wallets.factories import WalletFactory, wallet_with_balances
from wallets.services import wallets_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_wallets(db):
    """A warm source holding 10^30 satoshi (locally) and a destination wallet."""
    return wallet_with_balances(btc=10**30), WalletFactory()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.integers(min_value=1, max_value=10**28), st.booleans())
def test_coin_unit_input_round_trips_exactly(local_wallets, base_units, grouped):
    """Whatever the amount, typed as plain digits or with thousands separators: stored in
    base units exactly, shown again as the same number."""
    source, destination = local_wallets
    drafter = UserFactory(username="money-drafter", role="operator")
    value = from_base_units(base_units, "btc")
    typed = f"{value:,f}" if grouped else format(value, "f")
    payout = payout_create(
        created_by=drafter,
        source_wallet_id=source.pk,
        asset="btc",
        lines=[LineInput("wallet", destination.pk, amount=typed)],
    )
    line = payout.lines.get()
    assert int(line.amount) == base_units == int(payout.total)
    assert format_coin(line.amount, "btc", ticker=False) == f"{value:,f}"


def test_totals_above_2_to_the_53_base_units_are_exact(sandbox, django_db_blocker):
    """GIVEN wallet 1 holds 10^20 satoshi at Balance (far beyond a float's 2^53)
    WHEN a batch totalling 2^53 + 3 satoshi is drafted, approved and sent
    THEN every figure — stored, in the API, and in the request Balance got — is exact."""
    huge = str(10**20)
    sandbox.control(
        "POST", f"wallets/{SOURCE}/balances", json={"btc": huge, "spendable": {"btc": huge}}
    )
    wallets_refresh()
    drafter = UserFactory(username="big-drafter", role="operator")
    approver = UserFactory(username="big-approver", role="approver")
    first = 2**53 + 1  # 90071992.54740993 BTC
    payout = payout_create(
        created_by=drafter,
        source_wallet_id=SOURCE,
        asset="btc",
        lines=[
            LineInput("wallet", OTHER_WALLET, amount=format(from_base_units(first, "btc"), "f")),
            LineInput("wallet", 3, amount="0.00000002"),
        ],
    )
    assert int(payout.total) == 2**53 + 3
    payout_approve(payout=payout, user=approver)
    assert payout_send(payout_id=payout.pk) == PayoutStatus.SENT
    [call] = send_calls(sandbox)
    assert [d["amount"] for d in call["body"]["destinations"]] == [str(first), "2"]

    client = Client()
    client.force_login(drafter)
    body = json.loads(client.get(f"/api/payouts/{payout.pk}/").content)
    assert body["total"] == "90071992.54740995"
    assert body["lines"][0]["amount"] == "90071992.54740993"
