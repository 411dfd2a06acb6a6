"""`payouts.parsing`: destination rows and pasted lines, read before the service sees them."""

import pytest
from django.http import QueryDict

from payouts.parsing import (
    MAX_ROWS,
    Row,
    parse_pasted_lines,
    plain_amount,
    resolve_rows,
    rows_from_post,
)
from payouts.services import LineInput
from tests.payouts.conftest import ADDRESS
from tests.wallets.factories import (
    ExternalAccountAddressFactory,
    ExternalAccountFactory,
    WalletFactory,
)

pytestmark = pytest.mark.django_db

# Testnet addresses of the sandbox's documentation examples and bip-utils vectors.
BCH_CASHADDR = "bchtest:qpm2qsznhks23z7629mms6s4cwef74vcwvqcw003ap"


def _post(pairs) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in pairs:
        data.appendlist(key, value)
    return data


class TestRowsFromPost:
    def test_rows_keep_page_order_and_every_typed_value(self):
        data = _post(
            [
                ("row", "b2"), ("type-b2", "public_address"), ("dest-b2", " addr "),
                ("amount-b2", "1,000.5"), ("label-b2", "x"),
                ("row", "a1"), ("type-a1", "wallet"), ("dest-a1", "Main (#3)"),
            ]
        )  # fmt: skip

        rows = rows_from_post(data)

        assert [(r.key, r.type, r.destination, r.amount, r.label) for r in rows] == [
            ("b2", "public_address", " addr ", "1,000.5", "x"),
            ("a1", "wallet", "Main (#3)", "", ""),
        ]

    def test_forged_keys_duplicates_and_types_are_dropped_or_defaulted(self):
        data = _post(
            [("row", "ok"), ("row", "ok"), ("row", "../x"), ("row", "A"), ("type-ok", "bogus")]
        )

        rows = rows_from_post(data)

        assert [(r.key, r.type) for r in rows] == [("ok", "wallet")]

    def test_at_most_max_rows_are_read(self):
        data = _post([("row", f"k{i}") for i in range(MAX_ROWS + 5)])

        assert len(rows_from_post(data)) == MAX_ROWS


class TestResolveRows:
    def test_wallets_by_option_text_bare_id_or_exact_name(self):
        main, vendor = WalletFactory(name="Main"), WalletFactory(name="Vendor Payments")
        rows = [
            Row(type="wallet", destination=f"Main (#{main.pk})", amount="1"),
            Row(type="wallet", destination=str(vendor.pk), amount="2"),
            Row(type="wallet", destination="vendor payments", amount="3", label=" rent "),
            Row(type="public_address", destination=f" {ADDRESS} ", amount="4"),
            Row(),  # blank: skipped
        ]

        resolved = resolve_rows(rows, asset="btc")

        assert not resolved.has_errors
        assert resolved.lines == [
            LineInput("wallet", main.pk, amount="1"),
            LineInput("wallet", vendor.pk, amount="2"),
            LineInput("wallet", vendor.pk, amount="3", label="rent"),
            LineInput("public_address", public_address=ADDRESS, amount="4"),
        ]
        assert resolved.row_keys == [r.key for r in rows[:4]]

    def test_an_ambiguous_or_unknown_name_is_a_row_message(self):
        WalletFactory(name="Twin")
        WalletFactory(name="Twin")
        removed = WalletFactory(name="Gone")
        removed.removed_at = removed.synced_at
        removed.save()
        rows = [
            Row(type="wallet", destination="Twin", amount="1"),
            Row(type="wallet", destination="Gone", amount="0"),
            Row(type="wallet", destination=f"#{removed.pk}", amount="1"),
        ]

        resolved = resolve_rows(rows, asset="btc")

        assert resolved.has_errors and resolved.lines == []
        assert rows[0].errors == [
            "Several wallets are named “Twin”: choose one from the list (the list shows their ids)."
        ]
        assert rows[1].errors == [
            "No wallet is named “Gone”: choose one from the list.",
            "The amount must be greater than zero.",
        ]
        assert rows[2].errors == [f"There is no wallet #{removed.pk} in the portal."]

    def test_a_name_that_is_not_the_ids_is_refused(self):
        """ "Name (#id)" edited by hand, or copied from another installation: the id alone
        would silently send elsewhere than the person reads."""
        main = WalletFactory(name="Main")
        rows = [Row(type="wallet", destination=f"Payroll (#{main.pk})", amount="1")]

        resolved = resolve_rows(rows, asset="btc")

        assert resolved.lines == []
        assert rows[0].errors == [
            f"Wallet #{main.pk} is “Main”, not “Payroll”: choose it from the list again."
        ]

    def test_external_accounts_need_an_address_for_the_asset(self):
        with_btc = ExternalAccountFactory(name="Exchange")
        ExternalAccountAddressFactory(account=with_btc, asset="btc")
        rows = [
            Row(type="external_account", destination="Exchange", amount="1"),
            Row(type="external_account", destination=f"Exchange (#{with_btc.pk})", amount="1"),
        ]

        assert resolve_rows(rows[:1], asset="btc").lines == [
            LineInput("external_account", with_btc.pk, amount="1")
        ]
        resolved = resolve_rows(rows[1:], asset="ltc")
        assert rows[1].errors == ["Exchange has no LTC address at Balance."]
        assert resolved.has_errors


class TestPastedLines:
    def test_every_accepted_form(self):
        wallet = WalletFactory(name="Ops")
        account = ExternalAccountFactory(name="Kraken")
        ExternalAccountAddressFactory(account=account, asset="bch")
        text = "\n".join(
            [
                f"  wallet:{wallet.pk} , 0.5 , rent ",
                f"EXTERNAL:{account.pk},\"1,000.25\",\"pay, roll\"",
                f"{BCH_CASHADDR}\t2\tspreadsheet row",
                "",
                f"{BCH_CASHADDR.removeprefix('bchtest:')},0.1",
            ]
        )  # fmt: skip

        result = parse_pasted_lines(text, asset="bch")

        assert result.errors == []
        assert [(r.type, r.destination, r.amount, r.label) for r in result.rows] == [
            ("wallet", f"Ops (#{wallet.pk})", "0.5", "rent"),
            ("external_account", f"Kraken (#{account.pk})", "1,000.25", "pay, roll"),
            ("public_address", BCH_CASHADDR, "2", "spreadsheet row"),
            ("public_address", BCH_CASHADDR, "0.1", ""),
        ]

    def test_one_bad_line_adds_nothing_and_is_named_by_its_number(self):
        wallet = WalletFactory()
        text = f"wallet:{wallet.pk},0.1\n\nnot-an-address,0.1\nnot-an-address,0"

        result = parse_pasted_lines(text, asset="ltc")

        assert result.rows == []
        assert [e.split(":")[0] for e in result.errors] == ["line 3", "line 4"]
        assert result.errors[0].startswith("line 3: Not a valid LTC testnet address.")
        assert result.errors[1] == (
            "line 4: Not a valid LTC testnet address. It contains characters that cannot be "
            "part of an address. The amount must be greater than zero."
        )

    def test_a_mistyped_address_or_one_of_another_coin_is_a_message(self):
        mistyped = ADDRESS[:-1] + ("X" if ADDRESS[-1] != "X" else "Y")

        result = parse_pasted_lines(f"{mistyped},0.1\n{ADDRESS},0.1", asset="dash")

        assert len(result.errors) == 2
        assert result.errors[0].startswith("line 1: Not a valid DASH")
        assert result.errors[1].startswith("line 2: Not a valid DASH")

    def test_the_source_wallet_as_a_pasted_destination_is_a_line_error(self):
        source, other = WalletFactory(), WalletFactory()
        text = f"wallet:{other.pk},0.1\nwallet:{source.pk},0.2"

        result = parse_pasted_lines(text, asset="btc", source_wallet_id=source.pk)

        assert result.rows == []
        assert result.errors == ["line 2: The source wallet cannot be its own destination."]

    def test_empty_paste_and_missing_asset_say_what_to_do(self):
        assert parse_pasted_lines(" \n", asset="btc").errors == [
            "Paste at least one line: destination,amount[,label]."
        ]
        assert "Choose the asset" in parse_pasted_lines(f"{ADDRESS},1", asset="").errors[0]

    def test_too_many_lines_is_refused_before_reading_them(self):
        text = "\n".join(f"{ADDRESS},1" for _ in range(MAX_ROWS + 1))

        assert parse_pasted_lines(text, asset="btc").errors == [
            f"Paste at most {MAX_ROWS} lines at once."
        ]


@pytest.mark.parametrize(
    ("base_units", "asset", "text"),
    [(1, "btc", "0.00000001"), (10**8, "btc", "1"), (123_450_000, "ltc", "1.2345"),
     (10**30, "btc", "10000000000000000000000")],
)  # fmt: skip
def test_stored_amounts_refill_the_edit_form_exactly(base_units, asset, text):
    assert plain_amount(base_units, asset) == text
