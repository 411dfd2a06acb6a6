"""Sub-address panels on the wallet page: HTMX create, inline edit, watch toggle, refresh."""

import re

import pytest

from custody_portal.models import AuditEvent
from wallets.models import SubAddress, Wallet
from wallets.services import sub_addresses_refresh

pytestmark = pytest.mark.django_db

PANEL = "/wallets/1/sub-addresses/btc"


@pytest.fixture
def synced(refreshed):
    """Wallet 1 with its sub-addresses read from the sandbox."""
    sub_addresses_refresh(wallet_id=1)
    return SubAddress.objects.filter(wallet_id=1, asset="btc").order_by("id")


def _balance_posts(sandbox, path_part: str) -> list[dict]:
    return [c for c in sandbox.calls() if c["method"] in ("POST", "PUT") and path_part in c["path"]]


def test_operator_creates_sub_address_from_the_panel(
    sandbox, refreshed, operator, operator_client, htmx
):
    """GIVEN wallet 1 WHEN an operator submits the BTC create form (HTMX)
    THEN Balance gets the request, the panel comes back with the new address, the local copy
    has it, and the audit trail records who created it (also swapped into the page)."""
    response = operator_client.post(
        f"{PANEL}/create/",
        {"btc-name": "Client deposits", "btc-notes": "for ACME", "btc-is_watched": "on"},
        headers=htmx,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="sub-address-panel-btc"' in html
    assert "<html" not in html
    created = SubAddress.objects.get(wallet_id=1, asset="btc", name="Client deposits")
    assert created.notes == "for ACME" and created.is_watched
    assert created.address in html
    assert 'id="audit-list"' in html and 'hx-swap-oob="true"' in html
    call = _balance_posts(sandbox, "/api/v1/wallets/1/assets/btc")[-1]
    assert call["body"] == {"name": "Client deposits", "notes": "for ACME", "is_watched": True}
    event = AuditEvent.objects.get(action="sub_address.create")
    assert event.actor == operator and event.wallet_id == 1
    assert event.after["name"] == "Client deposits" and event.before is None
    assert "Client deposits" in operator_client.get("/wallets/1/").content.decode()


def test_create_without_htmx_redirects_to_the_wallet_page(sandbox, refreshed, operator_client):
    response = operator_client.post(f"{PANEL}/create/", {"btc-name": "Plain form"})

    assert response.status_code == 302
    assert response["Location"] == "/wallets/1/"
    page = operator_client.get("/wallets/1/").content.decode()
    assert "Created BTC sub-address" in page


def test_operator_renames_sub_address_inline(sandbox, synced, operator_client, htmx):
    """GIVEN a synced sub-address WHEN the operator opens its edit row and saves a new name
    THEN Balance renames it, the panel shows the name, and the audit has before → after."""
    target = synced.last()
    edit_row = operator_client.get(f"{PANEL}/?edit={target.address}", headers=htmx)
    assert 'data-testid="sub-address-edit-form-btc"' in edit_row.content.decode()
    assert f'value="{target.name}"' in edit_row.content.decode()

    response = operator_client.post(
        f"{PANEL}/{target.address}/edit/",
        {"edit-btc-name": "Renamed", "edit-btc-notes": "new notes"},
        headers=htmx,
    )

    assert response.status_code == 200
    assert "Renamed" in response.content.decode()
    target.refresh_from_db()
    assert (target.name, target.notes) == ("Renamed", "new notes")
    event = AuditEvent.objects.get(action="sub_address.update")
    assert event.before["name"] != "Renamed" and event.after["name"] == "Renamed"


def test_operator_toggles_watching(sandbox, synced, operator_client, htmx):
    target = synced.filter(is_watched=False).first()

    response = operator_client.post(
        f"{PANEL}/{target.address}/watch/", {"is_watched": "true"}, headers=htmx
    )

    target.refresh_from_db()
    assert target.is_watched
    assert f'data-testid="watch-toggle-{target.address}"' in response.content.decode()
    assert "Unwatch" in response.content.decode()
    event = AuditEvent.objects.get(action="sub_address.watch")
    assert event.before["is_watched"] is False and event.after["is_watched"] is True

    operator_client.post(f"{PANEL}/{target.address}/watch/", {"is_watched": "false"}, headers=htmx)
    target.refresh_from_db()
    assert not target.is_watched
    assert AuditEvent.objects.filter(action="sub_address.unwatch").count() == 1


def test_balance_rejection_shows_balances_message_in_the_panel(
    sandbox, synced, operator_client, htmx
):
    sandbox.control(
        "POST",
        "faults",
        json={
            "path": "^/api/v1/wallets/1/assets/btc$",
            "method": "POST",
            "status": 400,
            "body": {"error": "Sub-address limit reached for this wallet."},
        },
    )

    response = operator_client.post(
        f"{PANEL}/create/", {"btc-name": "One too many", "btc-notes": "n"}, headers=htmx
    )

    html = response.content.decode()
    # Balance's status, and the panel with the message (htmx swaps the portal's marked
    # error fragments: base.html's htmx-config, portal.js).
    assert response.status_code == 400
    assert response["X-Portal-Fragment"] == "1"
    assert 'data-testid="sub-address-panel-btc"' in html and "<html" not in html
    assert "Sub-address limit reached for this wallet." in html
    assert 'value="One too many"' in html
    assert not SubAddress.objects.filter(name="One too many").exists()
    assert not AuditEvent.objects.exists()


def test_unknown_address_edit_shows_balances_404_message(sandbox, refreshed, operator_client, htmx):
    response = operator_client.post(
        f"{PANEL}/mnotanaddressatall/edit/", {"edit-btc-name": "x"}, headers=htmx
    )

    assert "Address not found" in response.content.decode()


def test_balance_unreachable_keeps_the_typed_input(dead_balance, operator_client, htmx):
    """GIVEN Balance is down WHEN an operator submits the create form
    THEN the panel says Balance is unreachable and the form still holds what they typed."""
    from .factories import wallet_with_balances

    wallet = wallet_with_balances(btc=5)

    response = operator_client.post(
        f"/wallets/{wallet.id}/sub-addresses/btc/create/",
        {"btc-name": "Keep me", "btc-notes": "and these notes", "btc-is_watched": "on"},
        headers=htmx,
    )

    html = response.content.decode()
    assert response.status_code == 503 and response["X-Portal-Fragment"] == "1"
    assert "Balance is unreachable right now" in html
    assert "Your input was kept" in html
    assert 'value="Keep me"' in html
    assert "and these notes</textarea>" in html
    assert re.search(r'<input type="checkbox" name="btc-is_watched"[^>]*checked', html)
    assert not SubAddress.objects.exists() and not AuditEvent.objects.exists()


def test_balance_unreachable_without_htmx_renders_the_page_with_503(dead_balance, operator_client):
    from .factories import wallet_with_balances

    wallet = wallet_with_balances(btc=5)

    response = operator_client.post(
        f"/wallets/{wallet.id}/sub-addresses/ltc/create/", {"ltc-name": "Still here"}
    )

    assert response.status_code == 503
    html = response.content.decode()
    assert "<html" in html and "Balance is unreachable right now" in html
    assert 'value="Still here"' in html


def test_timeout_on_create_says_the_outcome_is_unknown(
    sandbox, refreshed, operator_client, htmx, settings
):
    settings.BALANCE_READ_TIMEOUT = 0.3
    sandbox.control(
        "POST",
        "faults",
        json={"path": "^/api/v1/wallets/1/assets/btc$", "method": "POST", "latency_ms": 1000},
    )

    response = operator_client.post(f"{PANEL}/create/", {"btc-name": "Slow"}, headers=htmx)

    html = response.content.decode()
    assert "may have created the sub-address anyway" in html
    assert 'value="Slow"' in html
    _wait_for_late_request(sandbox)  # it must not land in the next test's fresh sandbox


def _wait_for_late_request(sandbox, timeout: float = 3.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not _balance_posts(sandbox, "/assets/btc") and time.monotonic() < deadline:
        time.sleep(0.05)


def test_invalid_input_is_refused_before_calling_balance(sandbox, refreshed, operator_client, htmx):
    response = operator_client.post(
        f"{PANEL}/create/", {"btc-name": "x" * 300, "btc-notes": "kept"}, headers=htmx
    )

    html = response.content.decode()
    assert "at most 255 characters" in html
    assert "kept</textarea>" in html
    assert not _balance_posts(sandbox, "/assets/btc")


def test_removed_wallet_cannot_be_changed(sandbox, refreshed, operator_client, htmx):
    from django.utils import timezone

    Wallet.objects.filter(pk=1).update(removed_at=timezone.now())

    response = operator_client.post(f"{PANEL}/create/", {"btc-name": "late"}, headers=htmx)

    assert "no longer returned by Balance" in response.content.decode()
    assert not _balance_posts(sandbox, "/assets/btc")


def test_panel_refresh_reads_that_asset_from_balance(
    sandbox, refreshed, operator, operator_client, htmx
):
    response = operator_client.post(f"{PANEL}/refresh/", headers=htmx)

    assert response.status_code == 200
    assert "Refreshed from Balance" in response.content.decode()
    assert SubAddress.objects.filter(wallet_id=1, asset="btc").exists()
    assert not SubAddress.objects.filter(wallet_id=1, asset="ltc").exists()
    assert AuditEvent.objects.get(action="wallet.refresh").actor == operator


def test_wallet_refresh_reads_spendable_balances(sandbox, refreshed, operator_client):
    """GIVEN a copy from the wallet list (no spendable amounts)
    WHEN an operator clicks "Refresh from Balance" on wallet 1
    THEN the spendable amounts and every sub-address asset are read."""
    response = operator_client.post("/wallets/1/refresh/", follow=True)

    html = response.content.decode()
    assert "Refreshed from Balance" in html
    assert "10.14108753 BTC" in html  # the sandbox's spendable BTC of wallet 1
    wallet = Wallet.objects.get(pk=1)
    assert wallet.detail_synced_at and wallet.sub_addresses_synced_at
    assert SubAddress.objects.filter(wallet_id=1, asset="bch").exists()


def test_wallet_refresh_when_balance_is_down_says_so(dead_balance, operator_client):
    from .factories import wallet_with_balances

    wallet = wallet_with_balances(btc=5)

    response = operator_client.post(f"/wallets/{wallet.id}/refresh/", follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Balance is unreachable right now" in html
    assert "Nothing was changed" in html and "Your input was kept" not in html


def _puts(sandbox) -> list[dict]:
    return [c for c in sandbox.calls() if c["method"] == "PUT"]


@pytest.mark.parametrize(
    ("sent", "expected_body"),
    [
        ({"edit-btc-name": "Only the name"}, {"name": "Only the name"}),
        ({"edit-btc-notes": "only notes"}, {"notes": "only notes"}),
        ({"edit-btc-name": "", "edit-btc-notes": "x"}, {"name": "", "notes": "x"}),
    ],
    ids=["notes-absent", "name-absent", "name-emptied"],
)
def test_edit_changes_only_the_fields_the_form_sent(
    sandbox, synced, operator_client, htmx, sent, expected_body
):
    """GIVEN a sub-address with a name and notes WHEN an edit POST lacks a field (not merely
    empty) THEN that field is left as it is, at Balance and in the copy; an empty field clears."""
    target = synced.last()
    operator_client.post(
        f"{PANEL}/{target.address}/edit/",
        {"edit-btc-name": "Kept name", "edit-btc-notes": "kept notes"},
        headers=htmx,
    )
    sandbox.control("DELETE", "calls")

    response = operator_client.post(f"{PANEL}/{target.address}/edit/", sent, headers=htmx)

    assert response.status_code == 200
    assert [c["body"] for c in _puts(sandbox)] == [expected_body]
    target.refresh_from_db()
    assert target.name == expected_body.get("name", "Kept name")
    assert target.notes == expected_body.get("notes", "kept notes")


def test_edit_with_no_field_at_all_changes_nothing(sandbox, synced, operator_client, htmx):
    target = synced.last()

    response = operator_client.post(f"{PANEL}/{target.address}/edit/", {}, headers=htmx)

    assert response.status_code == 400
    assert "Nothing to save: the form sent neither a name nor notes." in response.content.decode()
    assert _puts(sandbox) == []


def test_a_bidi_override_in_a_name_is_refused_with_the_input_kept(
    sandbox, refreshed, operator_client, htmx
):
    response = operator_client.post(
        f"{PANEL}/create/", {"btc-name": "Payroll \u202e321", "btc-notes": "mine"}, headers=htmx
    )

    html = response.content.decode()
    assert response.status_code == 400 and response["X-Portal-Fragment"] == "1"
    assert (
        "The name contains an invisible control character (U+202E RIGHT-TO-LEFT OVERRIDE); "
        "remove it."
    ) in html
    assert "Name: The name" not in html  # the message names its field once
    assert "mine</textarea>" in html
    assert not _balance_posts(sandbox, "/assets/btc")


def test_notes_typed_on_several_lines_are_stored_with_plain_line_breaks(
    sandbox, refreshed, operator_client, htmx
):
    operator_client.post(
        f"{PANEL}/create/",
        {"btc-name": "Multi", "btc-notes": "line one\r\nline two"},
        headers=htmx,
    )

    assert SubAddress.objects.get(name="Multi").notes == "line one\nline two"


def test_a_watch_toggle_never_says_input_was_kept(dead_balance, operator_client, htmx):
    """A toggle has no input to keep; the create form does, and says so."""
    from .factories import SubAddressFactory, wallet_with_balances

    wallet = wallet_with_balances(btc=5)
    SubAddressFactory(wallet=wallet, asset="btc", address="mtestaddress1")
    panel = f"/wallets/{wallet.id}/sub-addresses/btc"

    watch = operator_client.post(
        f"{panel}/mtestaddress1/watch/", {"is_watched": "true"}, headers=htmx
    )
    create = operator_client.post(f"{panel}/create/", {"btc-name": "typed"}, headers=htmx)
    api = operator_client.patch(
        f"/api/wallets/{wallet.id}/sub-addresses/btc/mtestaddress1/",
        {"is_watched": True},
        content_type="application/json",
    )

    assert watch.status_code == 503 and create.status_code == 503
    assert "Balance is unreachable right now" in watch.content.decode()
    assert "Your input was kept" not in watch.content.decode()
    assert "Try again in a moment." in watch.content.decode()
    assert "Your input was kept" in create.content.decode()
    assert api.status_code == 503 and "Your input was kept" not in api.json()["detail"]
