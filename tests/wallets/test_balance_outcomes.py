"""What a user is told when Balance fails mid-write: a lost answer is not a refusal.

Three outcomes, named by what Balance may have done: not sent (503, try again), rejected
(Balance's own text and status), may have acted (502, refresh first — and the attempt is
audited). And a fourth: done at Balance but not stored here (502, audited all the same).
"""

import time

import pytest
from django.db import connection

from custody_portal.models import AuditEvent
from wallets.models import SubAddress
from wallets.services import sub_addresses_refresh

pytestmark = pytest.mark.django_db

API = "/api/wallets/1/sub-addresses/btc/"
CREATE_PATH = "^/api/v1/wallets/1/assets/btc$"
REFRESH_HINT = "use “Refresh from Balance” before trying again."


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _put(client, url, data):
    return client.put(url, data, content_type="application/json")


def _fault(sandbox, **fault):
    sandbox.control("POST", "faults", json=fault)


def _plain(detail: str) -> None:
    """A message for people: no Python exception names or reprs."""
    for python in ("Error:", "Exception", "Traceback", "string indices", "<", "None"):
        assert python not in detail, detail


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500, "body": {"error": "Internal server error"}},
        {"status": 200, "body": {"not": "a list"}},
        {"status": 200, "body": "just a string"},
    ],
    ids=["5xx", "unreadable-2xx", "string-2xx"],
)
def test_a_lost_answer_to_a_create_says_it_may_exist_and_is_audited(
    sandbox, refreshed, operator, operator_client, fault
):
    """GIVEN Balance received the create but its answer is a 5xx or unreadable
    WHEN the operator creates a sub-address THEN they are told it may exist and to refresh
    before retrying (502, not an invitation to send a duplicate), nothing is stored locally,
    and the attempt is in the audit log with what was sent, who sent it and why it is
    unknown."""
    _fault(sandbox, path=CREATE_PATH, method="POST", **fault)
    before = SubAddress.objects.count()

    response = _post(operator_client, API, {"name": "Maybe created", "is_watched": True})

    detail = response.json()["detail"]
    assert response.status_code == 502
    assert detail.startswith("Balance may have created the sub-address anyway (")
    assert detail.endswith(REFRESH_HINT)
    assert "Your input was kept" not in detail and "try again." not in detail.replace(
        REFRESH_HINT, ""
    )
    _plain(detail)
    assert SubAddress.objects.count() == before
    event = AuditEvent.objects.get(action="sub_address.create_unknown")
    assert event.actor == operator and event.wallet_id == 1
    assert event.after["name"] == "Maybe created" and event.after["is_watched"] is True
    assert event.after["error"] and event.after["error"] in detail
    assert "Maybe created" in event.message


def test_a_refused_connection_on_create_says_nothing_was_sent(dead_balance, operator_client, db):
    from .factories import wallet_with_balances

    wallet = wallet_with_balances(btc=1)

    response = _post(operator_client, f"/api/wallets/{wallet.id}/sub-addresses/btc/", {"name": "x"})

    detail = response.json()["detail"]
    assert response.status_code == 503
    # (The API drops "Your input was kept": a script keeps its own request body.)
    assert (
        detail == "Balance is unreachable right now: nothing was sent to it. Try again in a moment."
    )
    assert not AuditEvent.objects.exists()


def test_a_watch_toggle_that_was_not_sent_does_not_speak_of_input(
    dead_balance, operator_client, db
):
    from .factories import SubAddressFactory

    sub = SubAddressFactory(asset="btc")

    response = operator_client.patch(
        f"/api/wallets/{sub.wallet_id}/sub-addresses/btc/{sub.address}/",
        {"is_watched": True},
        content_type="application/json",
    )

    detail = response.json()["detail"]
    assert response.status_code == 503
    assert "nothing was sent" in detail and "input" not in detail


def test_an_update_that_timed_out_was_applied_by_balance_and_is_audited(
    sandbox, refreshed, operator, operator_client, settings
):
    """GIVEN Balance takes longer than the portal's read timeout to answer a PUT
    WHEN an operator renames a sub-address
    THEN they are told Balance may have applied it (not "try again"), the attempt is audited
    as unknown with the new name, and Balance did apply it — so the message was right."""
    sub_addresses_refresh(wallet_id=1, assets=("btc",), with_detail=False)
    target = SubAddress.objects.filter(wallet_id=1, asset="btc").first()
    settings.BALANCE_READ_TIMEOUT = 0.3
    _fault(sandbox, path=f"^/api/v1/wallets/1/assets/btc/{target.address}$", latency_ms=1200)

    response = _put(operator_client, f"{API}{target.address}/", {"name": "Renamed slowly"})

    detail = response.json()["detail"]
    assert response.status_code == 502
    assert detail == (
        "Balance may have applied this change (no answer within 0.3 s); " + REFRESH_HINT
    )
    event = AuditEvent.objects.get(action="sub_address.update_unknown")
    assert event.actor == operator
    assert event.object_id == f"btc:{target.address}"
    assert event.before["name"] == target.name
    assert event.after == {"name": "Renamed slowly", "error": "no answer within 0.3 s"}
    target.refresh_from_db()
    assert target.name != "Renamed slowly"  # the portal did not pretend to know
    assert _name_at_balance(sandbox, target.address) == "Renamed slowly"


def _name_at_balance(sandbox, address: str, wait: float = 5.0) -> str:
    """The sub-address's name at Balance, once the late PUT has landed there."""
    deadline = time.monotonic() + wait
    while True:
        at_balance = {a.address: a for a in sandbox.client().list_sub_addresses(1, "btc")}
        name = at_balance[address].name
        if name == "Renamed slowly" or time.monotonic() > deadline:
            return name
        time.sleep(0.1)


def test_a_rejection_shows_balances_own_text_once_with_its_status(
    sandbox, refreshed, operator_client
):
    _fault(
        sandbox,
        path=CREATE_PATH,
        method="POST",
        status=422,
        body={"error": "Too many addresses for this wallet"},
    )

    response = _post(operator_client, API, {"name": "One more"})

    assert response.status_code == 422
    assert response.json()["detail"] == "Too many addresses for this wallet"
    assert not AuditEvent.objects.exists()


def test_a_credentials_problem_is_said_once(sandbox, refreshed, operator_client):
    _fault(
        sandbox, path=CREATE_PATH, method="POST", status=401, body={"error": "Invalid signature"}
    )

    response = _post(operator_client, API, {"name": "x"})

    detail = response.json()["detail"]
    assert response.status_code == 502
    assert detail.count("Balance refused") == 1 and detail.count("Invalid signature") == 1
    assert detail.endswith("must check BALANCE_API_URL, BALANCE_ACCESS_ID and BALANCE_SECRET_KEY.")


def _refuse_sub_address_writes() -> None:
    """From now on the database refuses every write to the sub-address table (a real
    database error, raised by a trigger), as a full disk or a lost connection would."""
    table = SubAddress._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for event in ("INSERT", "UPDATE"):
                cursor.execute(
                    f"CREATE TRIGGER refuse_{event.lower()} BEFORE {event} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
                )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_write BEFORE INSERT OR UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_write()"
            )


def test_created_at_balance_but_not_stored_says_so_and_is_audited(
    sandbox, refreshed, operator, operator_client
):
    """GIVEN the portal's database refuses to store sub-addresses
    WHEN an operator creates one and Balance creates it
    THEN they are told Balance created it and it appears after the next refresh (no "try
    again"), and the create is in the audit log all the same."""
    _refuse_sub_address_writes()

    response = _post(operator_client, API, {"name": "Created, not stored"})

    detail = response.json()["detail"]
    assert response.status_code == 502
    assert detail.startswith("Balance created the BTC sub-address ")
    assert "but the portal could not store it; it will appear after the next refresh" in detail
    _plain(detail)
    event = AuditEvent.objects.get(action="sub_address.create")
    assert event.actor == operator and event.after["name"] == "Created, not stored"
    address = event.after["address"]
    assert address in detail
    assert address in {a.address for a in sandbox.client().list_sub_addresses(1, "btc")}
    assert not SubAddress.objects.filter(address=address).exists()


def test_updated_at_balance_but_not_stored_is_audited(
    sandbox, refreshed, operator, operator_client
):
    sub_addresses_refresh(wallet_id=1, assets=("btc",), with_detail=False)
    target = SubAddress.objects.filter(wallet_id=1, asset="btc", is_watched=False).first()
    _refuse_sub_address_writes()

    response = operator_client.patch(
        f"{API}{target.address}/", {"is_watched": True}, content_type="application/json"
    )

    detail = response.json()["detail"]
    assert response.status_code == 502
    assert detail.startswith(f"Balance applied the change to BTC sub-address {target.address}")
    event = AuditEvent.objects.get(action="sub_address.watch")
    assert event.actor == operator and event.after["is_watched"] is True
    target.refresh_from_db()
    assert target.is_watched is False


@pytest.mark.parametrize(
    "fault",
    [
        {"reset": True},
        {"status": 200, "raw_body": "<html>Service temporarily unavailable</html>"},
    ],
    ids=["connection-dropped", "html-200"],
)
def test_a_create_balance_did_but_answered_unreadably_is_reported_as_may_have(
    sandbox, refreshed, operator, operator_client, fault
):
    """GIVEN Balance creates the sub-address, then drops the connection or answers an HTML
    page WHEN an operator creates it THEN they are told Balance may have created it (502),
    the attempt is audited as unknown — and Balance did create it."""
    _fault(sandbox, path=CREATE_PATH, method="POST", commit=True, **fault)

    response = _post(operator_client, API, {"name": "Committed, answer lost"})

    detail = response.json()["detail"]
    assert response.status_code == 502
    assert detail.startswith("Balance may have created the sub-address anyway (")
    _plain(detail)
    assert AuditEvent.objects.get(action="sub_address.create_unknown").actor == operator
    names = {a.name for a in sandbox.client().list_sub_addresses(1, "btc")}
    assert "Committed, answer lost" in names


def test_an_unclassified_unavailability_on_a_write_counts_as_may_have_acted():
    """The safe side: only a provable "not sent" invites another try."""
    from balance.errors import BalanceNotSent, BalanceUnavailable
    from custody_portal.errors import ApplicationError
    from wallets.services.balance import balance_errors

    with pytest.raises(ApplicationError) as unclassified, balance_errors(write=True):
        raise BalanceUnavailable("Balance is unavailable.")
    with pytest.raises(ApplicationError) as not_sent, balance_errors(write=True):
        raise BalanceNotSent("Balance is unreachable: connection refused.")

    assert unclassified.value.status == 502
    assert unclassified.value.message.startswith("Balance may have applied this (")
    assert not_sent.value.status == 503
    assert "nothing was sent" in not_sent.value.message
