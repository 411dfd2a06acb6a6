"""`/payouts/new/` and `/payouts/<id>/edit/`: every bad input of issue 7 item 1 gets its
message next to its row (or on top for the whole batch), nothing is stored, and everything
typed comes back."""

import re

import pytest
from django.test import Client

from payouts.models import Payout, PayoutApproval, PayoutLine, PayoutStatus
from payouts.parsing import MAX_ROWS
from payouts.services import payout_approve
from tests.payouts.conftest import ADDRESS, EXTERNAL, OTHER_WALLET, SOURCE, draft
from tests.payouts.ui import client_for, form_data
from wallets.models import ExternalAccount, FundingAddress, Wallet, WalletBalance

pytestmark = pytest.mark.usefixtures("refreshed")

NEW = "/payouts/new/"
# A valid BTC mainnet address: wrong network for the (testnet) sandbox.
MAINNET_ADDRESS = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"


@pytest.fixture
def operator(drafter) -> Client:
    return client_for(drafter)


def _row_errors(page: str) -> list[list[str]]:
    """The messages shown under each destination row, in page order."""
    start = r'<div class="payout-row[^"]*" data-testid="payout-row"'
    end = r'(?=<div class="payout-row|</div>\s*<p>)'
    rows = re.findall(start + ".*?" + end, page, re.S)
    return [re.findall(r"<li>(.*?)</li>", row) for row in rows]


def _top_errors(page: str) -> list[str]:
    match = re.search(r'data-testid="payout-errors">(.*?)</div>', page, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def _post(client, **kwargs):
    response = client.post(NEW, form_data(**kwargs))
    return response, response.content.decode()


def _nothing_stored():
    assert not Payout.objects.exists()
    assert not PayoutLine.objects.exists()


def test_the_page_offers_warm_wallets_and_batch_assets_only(operator):
    page = operator.get(NEW).content.decode()

    source = re.search(r'<select name="source_wallet".*?</select>', page, re.S).group(0)
    offered = {int(v) for v in re.findall(r'<option value="(\d+)"', source)}
    warm = set(
        Wallet.objects.filter(kind="warm", removed_at__isnull=True).values_list("id", flat=True)
    )
    assert offered == warm
    assert Wallet.objects.filter(kind="cold").exists()
    asset = re.search(r'<select name="asset".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"', asset) == ["btc", "bch", "ltc", "dash"]


def test_viewers_and_approvers_cannot_draft(viewer, approver):
    for user in (viewer, approver):
        client = client_for(user)
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, form_data(rows=[("wallet", "2", "0.1", "")])).status_code == 403
    _nothing_stored()


def test_a_good_draft_is_stored_and_opens_its_page(operator, drafter):
    wallet = Wallet.objects.get(pk=OTHER_WALLET)
    account = ExternalAccount.objects.get(pk=EXTERNAL)
    rows = [
        ("wallet", f"{wallet.name} (#{wallet.pk})", "0.001", "rent"),
        ("external_account", account.name, "0.002", ""),
        ("public_address", ADDRESS, "0.0005", "refund"),
        ("wallet", "", "", ""),  # a blank row is ignored
    ]

    response, _ = _post(operator, rows=rows, note="April vendors")

    payout = Payout.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/payouts/{payout.pk}/"
    assert payout.created_by == drafter and payout.note == "April vendors"
    lines = list(payout.lines.order_by("position"))
    assert [(x.destination_type, x.destination_id, x.public_address) for x in lines] == [
        ("wallet", OTHER_WALLET, ""),
        ("external_account", EXTERNAL, ""),
        ("public_address", None, ADDRESS),
    ]
    assert [int(x.amount) for x in lines] == [100_000, 200_000, 50_000]
    assert [x.label for x in lines] == ["rent", "", "refund"]
    page = operator.get(response["Location"]).content.decode()
    assert f"{payout.reference} is drafted" in page


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("public_address", "not-an-address", "0.1", ""), "Not a valid BTC testnet address."),
        (("public_address", MAINNET_ADDRESS, "0.1", ""),
         "It is a mainnet address; this portal is configured for testnet."),
        (("wallet", str(OTHER_WALLET), "0", ""), "The amount must be greater than zero."),
        (("wallet", str(OTHER_WALLET), "-1", ""), ""),
        (("wallet", str(OTHER_WALLET), "0.000000001", ""),
         "BTC amounts have at most 8 decimal places"),
        (("wallet", str(SOURCE), "0.1", ""), "The source wallet cannot be its own destination."),
        (("wallet", "No Such Wallet", "0.1", ""), "No wallet is named “No Such Wallet”"),
        (("wallet", "#999999", "0.1", ""), "There is no wallet #999999 in the portal."),
        (("external_account", "", "0.1", ""), "Choose the external account from the list."),
    ],
    ids=[
        "not-an-address",
        "other-network",
        "zero",
        "negative",
        "too-many-decimals",
        "source-as-destination",
        "unknown-wallet-name",
        "unknown-wallet-id",
        "no-external-account",
    ],
)  # fmt: skip
def test_a_bad_row_gets_its_message_next_to_it_and_nothing_is_stored(operator, row, message):
    good = ("public_address", ADDRESS, "0.001", "keep me")

    response, page = _post(operator, rows=[good, row], note="typed note")

    assert response.status_code == 400
    errors = _row_errors(page)
    assert errors[0] == [], "the good row has no message"
    assert errors[1], f"the bad row has a message: {errors}"
    if message:
        assert any(message in m for m in errors[1]), errors[1]
    _nothing_stored()
    # Everything typed comes back.
    assert f'value="{row[1]}"' in page
    assert f'value="{row[2]}"' in page
    assert 'value="keep me"' in page and "typed note</textarea>" in page


def test_the_source_wallets_own_address_is_refused(operator):
    own = FundingAddress.objects.filter(wallet_id=SOURCE, asset="btc").first()
    assert own is not None

    response, page = _post(operator, rows=[("public_address", own.address, "0.001", "")])

    assert response.status_code == 400
    assert _row_errors(page) == [["This address belongs to the source wallet itself."]]
    _nothing_stored()


def test_a_duplicate_destination_is_named_on_the_second_row(operator):
    wallet = Wallet.objects.get(pk=OTHER_WALLET)
    rows = [
        ("wallet", str(OTHER_WALLET), "0.001", ""),
        ("public_address", ADDRESS, "0.001", ""),
        ("wallet", f"{wallet.name} (#{wallet.pk})", "0.002", ""),
    ]

    response, page = _post(operator, rows=rows)

    assert response.status_code == 400
    assert _row_errors(page) == [[], [], ["Duplicate destination: the same as line 1."]]
    _nothing_stored()


def test_a_batch_of_the_size_the_page_offers_reaches_the_form(operator):
    """The page offers up to MAX_ROWS destinations and each row posts 5 fields: Django's
    default limit of 1,000 fields answered a 300-row batch with a bare 400 (TooManyFieldsSent)
    and everything typed was lost."""
    rows = [("wallet", str(OTHER_WALLET), "0.00000001", "")] * MAX_ROWS

    response, page = _post(operator, rows=rows)

    assert response.status_code == 400
    errors = _row_errors(page)
    assert len(errors) == MAX_ROWS
    assert errors[0] == [] and errors[-1] == ["Duplicate destination: the same as line 1."]
    _nothing_stored()


def test_every_row_reports_at_once(operator):
    rows = [
        ("wallet", "Nobody", "0", ""),
        ("public_address", "not-an-address", "1.123456789", ""),
        ("wallet", str(OTHER_WALLET), "0.001", ""),
    ]

    response, page = _post(operator, rows=rows)

    errors = _row_errors(page)
    assert response.status_code == 400
    assert len(errors[0]) == 2  # the unknown name and the zero amount
    assert "The amount must be greater than zero." in errors[0]
    assert errors[2] == []
    _nothing_stored()


def test_a_total_above_available_is_reported_for_the_whole_batch(operator):
    balance = WalletBalance.objects.get(wallet_id=SOURCE, asset="btc")
    too_much = int(balance.spendable if balance.spendable is not None else balance.total) + 1
    amount = f"{too_much // 10**8}.{too_much % 10**8:08d}"

    response, page = _post(operator, rows=[("wallet", str(OTHER_WALLET), amount, "")])

    assert response.status_code == 400
    top = _top_errors(page)
    assert len(top) == 1 and "is more than the available" in top[0], top
    assert _row_errors(page) == [[]]
    _nothing_stored()


def test_the_funds_panel_shows_spendable_reserved_and_available(operator, drafter, approver):
    """Reserved = other approved-but-unsent payouts of the wallet and asset."""
    WalletBalance.objects.filter(wallet_id=SOURCE, asset="btc").update(spendable=10**8)
    reserved = draft(drafter)
    payout_approve(payout=reserved, user=approver)

    response = operator.get(
        "/payouts/new/context/", {"source_wallet": SOURCE, "asset": "btc"}, HTTP_HX_REQUEST="true"
    )

    page = response.content.decode()
    assert re.search(r'funds-spendable">1\.00000000 BTC<', page)
    assert re.search(r'funds-reserved">0\.00350000 BTC<', page)
    assert re.search(r'funds-available"><strong>0\.99650000 BTC</strong>', page)


def test_changing_the_asset_lists_only_external_accounts_with_an_address_for_it(operator):
    with_btc = set(ExternalAccount.objects.filter(addresses__asset="btc").values_list("name", "id"))
    without_dash = ExternalAccount.objects.exclude(addresses__asset="dash")
    assert with_btc and without_dash.exists(), "the seed has accounts lacking some assets"

    btc = operator.get("/payouts/new/context/", {"asset": "btc"}).content.decode()
    dash = operator.get("/payouts/new/context/", {"asset": "dash"}).content.decode()

    listed = set(re.findall(r'<option value="(.*?) \(#(\d+)\)">', btc))
    assert {(n, str(i)) for n, i in with_btc} == listed
    assert 'hx-swap-oob="true"' in btc
    for account in without_dash:
        assert f"(#{account.pk})" not in dash


def test_an_external_account_without_an_address_for_the_asset_is_refused(operator):
    account = ExternalAccount.objects.exclude(addresses__asset="dash").first()
    WalletBalance.objects.update_or_create(
        wallet_id=SOURCE, asset="dash", defaults={"total": 10**9, "spendable": 10**9}
    )

    response, page = _post(
        operator, asset="dash", rows=[("external_account", f"#{account.pk}", "0.1", "")]
    )

    assert response.status_code == 400
    assert _row_errors(page) == [[f"{account.name} has no DASH address at Balance."]]
    _nothing_stored()


def test_missing_wallet_and_asset_are_field_messages(operator):
    response, page = _post(operator, source="", asset="", rows=[("wallet", "2", "0.1", "")])

    assert response.status_code == 400
    assert 'data-testid="error-source_wallet"' in page
    assert 'data-testid="error-asset"' in page
    _nothing_stored()


def test_a_cold_source_wallet_is_refused(operator):
    cold = Wallet.objects.filter(kind="cold").first()

    response, page = _post(operator, source=cold.pk, rows=[("wallet", "2", "0.1", "")])

    assert response.status_code == 400
    assert "Choose one of the warm wallets" in page
    _nothing_stored()


def test_unsaved_pasted_text_blocks_saving(operator):
    response, page = _post(operator, rows=[("wallet", "2", "0.1", "")], paste="wallet:3,0.2")

    assert response.status_code == 400
    assert "still has text" in page
    assert "wallet:3,0.2</textarea>" in page
    _nothing_stored()


def test_an_htmx_save_with_errors_answers_the_form_fragment_with_200(operator):
    response = operator.post(
        NEW, form_data(rows=[("wallet", "2", "0", "")]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200  # HTMX swaps 2xx only
    page = response.content.decode()
    assert page.lstrip().startswith('<form method="post" id="payout-form"')
    assert "The amount must be greater than zero." in page
    _nothing_stored()


def test_add_and_remove_rows_without_javascript(operator):
    data = form_data(rows=[("wallet", "2", "0.1", "a"), ("wallet", "3", "0.2", "b")])

    added = operator.post(NEW, {**data, "action": "add-row"}).content.decode()
    assert len(_row_errors(added)) == 3
    removed = operator.post(NEW, {**data, "action": "remove:r0"}).content.decode()
    assert len(_row_errors(removed)) == 1
    assert 'value="b"' in removed and 'value="a"' not in removed
    _nothing_stored()


def test_htmx_adds_an_empty_row(operator):
    response = operator.get("/payouts/new/row/", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-testid="payout-row"') == 1
    key = re.search(r'name="row" value="([a-z0-9]+)"', page).group(1)
    assert f'name="dest-{key}"' in page and f'name="amount-{key}"' in page


class TestPastedLines:
    def test_good_lines_become_rows(self, operator):
        wallet = Wallet.objects.get(pk=OTHER_WALLET)
        paste = "\n".join(
            [
                f"wallet:{OTHER_WALLET},0.001,rent",
                "",
                f"{ADDRESS}\t0.5",
                f'external:{EXTERNAL},"1,000.5","pay, roll"',
            ]
        )

        response, page = _post(operator, rows=[("wallet", "", "", "")], paste=paste, action="paste")

        assert response.status_code == 200
        assert "Added 3 destinations from the pasted lines." in page
        values = re.findall(r'name="(?:dest|amount|label)-[a-z0-9]+" value="(.*?)"', page)
        assert values == [
            f"{wallet.name} (#{wallet.pk})", "0.001", "rent",
            ADDRESS, "0.5", "",
            f"{ExternalAccount.objects.get(pk=EXTERNAL).name} (#{EXTERNAL})", "1,000.5",
            "pay, roll",
        ]  # fmt: skip
        assert "></textarea>" in page.split('name="paste"')[1][:400], "the box is emptied"
        _nothing_stored()

    def test_bad_lines_are_reported_by_line_number_and_nothing_is_added(self, operator):
        paste = "\n".join(
            [
                f"wallet:{OTHER_WALLET},0.001,rent",  # 1: good
                "not-an-address,0.1",  # 2
                f"wallet:{OTHER_WALLET},0",  # 3: zero
                "wallet:999999,0.1",  # 4: unknown wallet
                f"external:{EXTERNAL},0.123456789",  # 5: too many decimals
                "just-one-field",  # 6
                f"{ADDRESS},1,000.5,label",  # 7: unquoted thousands
                "wallet:abc,0.1",  # 8
                f"wallet:{SOURCE},0.1",  # 9: the source itself
            ]
        )

        response, page = _post(operator, rows=[("wallet", "3", "0.2", "kept")], paste=paste,
                                action="paste")  # fmt: skip

        assert response.status_code == 400
        errors = re.findall(
            r"<li>(.*?)</li>",
            re.search(r'data-testid="paste-errors">(.*?)</ul>', page, re.S).group(1),
        )
        assert len(errors) == 8, errors
        assert errors[:3] == [
            "line 2: Not a valid BTC testnet address. It contains characters that cannot be part "
            "of an address.",
            "line 3: The amount must be greater than zero.",
            "line 4: There is no wallet #999999 in the portal.",
        ]
        assert errors[3].startswith("line 5: BTC amounts have at most 8 decimal places")
        assert errors[4:] == [
            "line 6: Expected destination,amount[,label].",
            "line 7: Too many fields: put quotes around an amount with thousands separators "
            "(&quot;1,000.5&quot;) or a label containing commas.",
            "line 8: Write wallet:&lt;id&gt; with the wallet&#x27;s number.",
            "line 9: The source wallet cannot be its own destination.",
        ]
        # The pasted text stays as it was; the existing row is untouched; no row added.
        assert f"wallet:{SOURCE},0.1</textarea>" in page
        assert len(_row_errors(page)) == 1 and 'value="kept"' in page
        _nothing_stored()

    def test_pasting_needs_the_asset_first(self, operator):
        response, page = _post(operator, asset="", paste=f"{ADDRESS},0.1", action="paste")

        assert response.status_code == 400
        assert "Choose the asset before pasting lines" in page

    def test_an_external_account_without_the_assets_address_is_a_line_error(self, operator):
        account = ExternalAccount.objects.exclude(addresses__asset="dash").first()

        _, page = _post(operator, asset="dash", paste=f"external:{account.pk},0.1", action="paste")

        assert f"line 1: {account.name} has no DASH address at Balance." in page


class TestEdit:
    def test_the_drafter_edits_and_every_approval_is_voided(self, drafter, approver):
        from payouts.models import AssetThreshold

        AssetThreshold.objects.create(asset="btc", threshold=1, required_approvals=2)
        payout = draft(drafter)
        payout_approve(payout=payout, user=approver)
        client = client_for(drafter)

        page = client.get(f"/payouts/{payout.pk}/edit/").content.decode()
        assert "voids every approval of this payout (1 so far)" in page
        # The form is filled with the stored lines, amounts in coin units.
        assert re.findall(r'name="amount-[a-z0-9]+" value="(.*?)"', page) == [
            "0.001", "0.002", "0.0005"
        ]  # fmt: skip
        data = form_data(rows=[("wallet", str(OTHER_WALLET), "0.003", "ops")], payout_id=payout.pk)

        response = client.post(f"/payouts/{payout.pk}/edit/", data)

        assert response.status_code == 302
        payout.refresh_from_db()
        assert int(payout.total) == 300_000
        assert not PayoutApproval.objects.filter(payout=payout).exists()
        assert payout.status == PayoutStatus.PENDING_APPROVAL

    def test_a_bad_edit_changes_nothing(self, drafter):
        payout = draft(drafter)
        before = list(payout.lines.values_list("amount", flat=True))

        response = client_for(drafter).post(
            f"/payouts/{payout.pk}/edit/",
            form_data(rows=[("wallet", str(SOURCE), "0.1", "")], payout_id=payout.pk),
        )

        assert response.status_code == 400
        assert "The source wallet cannot be its own destination." in response.content.decode()
        assert list(payout.lines.values_list("amount", flat=True)) == before

    def test_only_the_drafter_may_edit_and_only_while_pending(self, drafter, admin_user):
        payout = draft(drafter)
        other = client_for(admin_user)

        response = other.get(f"/payouts/{payout.pk}/edit/")
        assert response.status_code == 302
        assert "Only the person who drafted" in other.get(response["Location"]).content.decode()
        assert other.post(f"/payouts/{payout.pk}/edit/", form_data()).status_code == 302

        Payout.objects.filter(pk=payout.pk).update(status=PayoutStatus.CANCELLED)
        response = client_for(drafter).get(f"/payouts/{payout.pk}/edit/")
        assert response.status_code == 302
        payout.refresh_from_db()
        assert payout.status == PayoutStatus.CANCELLED
