"""Drafting: every bad input gets its message (per field, per line), and nothing is stored."""

import pytest

from custody_portal.errors import ApplicationError
from custody_portal.models import AuditEvent
from payouts.models import Payout, PayoutApproval, PayoutLine, PayoutStatus
from payouts.services import (
    LineInput,
    PayoutInvalid,
    payout_approve,
    payout_create,
    payout_create_fil_reward,
)
from tests.payouts.conftest import (
    ADDRESS,
    COLD_WALLET,
    EXTERNAL,
    OTHER_WALLET,
    SOURCE,
    draft,
    three_lines,
)
from wallets.models import FundingAddress, Wallet

pytestmark = pytest.mark.usefixtures("refreshed")


def errors_of(drafter, **kwargs) -> dict:
    with pytest.raises(PayoutInvalid) as exc:
        draft(drafter, **kwargs)
    assert not Payout.objects.exists()
    assert not PayoutLine.objects.exists()
    assert not AuditEvent.objects.filter(object_type="payout").exists()
    return exc.value.errors


def test_a_draft_stores_lines_total_hash_and_an_audit_event(drafter):
    payout = draft(drafter)
    assert payout.status == PayoutStatus.PENDING_APPROVAL
    assert int(payout.total) == 350_000
    assert [
        (line.position, line.destination_type, line.destination_id, int(line.amount), line.label)
        for line in payout.lines.all()
    ] == [
        (0, "wallet", OTHER_WALLET, 100_000, "ops"),
        (1, "external_account", EXTERNAL, 200_000, ""),
        (2, "public_address", None, 50_000, ""),
    ]
    assert len(payout.content_hash) == 64
    assert payout.reference == f"PO-{payout.pk:06d}"
    event = AuditEvent.objects.get(object_type="payout", object_id=str(payout.pk))
    assert event.action == "payout.create" and event.actor == drafter
    assert event.wallet_id == SOURCE


def test_labels_do_not_change_the_hash_but_amounts_do(drafter):
    a = draft(drafter)
    b = draft(drafter, lines=[LineInput(**{**vars(x), "label": "other"}) for x in three_lines()])
    c = draft(drafter, lines=three_lines(a="0.00100001"))
    assert a.content_hash == b.content_hash != c.content_hash


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (COLD_WALLET, "only warm wallets send"),
        (999, "does not exist"),
        (None, "Choose a source wallet"),
    ],
)
def test_the_source_must_be_an_active_warm_wallet(drafter, source, message):
    errors = errors_of(drafter, source=source)
    assert message in errors["source_wallet_id"][0]


def test_a_removed_wallet_cannot_send(drafter):
    from django.utils import timezone

    Wallet.objects.filter(pk=SOURCE).update(removed_at=timezone.now())
    assert "removed" in errors_of(drafter)["source_wallet_id"][0]


@pytest.mark.parametrize("asset", ["eth", "fil", "", "doge"])
def test_only_batch_capable_assets(drafter, asset):
    errors = errors_of(drafter, asset=asset)
    assert errors["asset"]


def test_every_line_problem_is_reported_with_its_index(drafter):
    own = FundingAddress.objects.get(wallet_id=SOURCE, asset="btc").address
    lines = [
        LineInput("wallet", OTHER_WALLET, amount="0.001"),  # fine
        LineInput("wallet", SOURCE, amount="0.001"),
        LineInput("wallet", 99999, amount="0.001"),
        LineInput("external_account", 6, amount="0.001"),  # fine: has btc
        LineInput("external_account", 424242, amount="0.001"),
        LineInput("public_address", public_address=own, amount="0.001"),
        LineInput(
            "public_address", public_address="1JfQeTopCr1SNk9qoF7qsfCcGtmNUvZdbg", amount="1"
        ),
        LineInput("public_address", public_address="", amount="0.001"),
        LineInput("public_address", public_address="abc123", amount="0.001"),
        LineInput("wallet", OTHER_WALLET, amount="0.002"),
        LineInput("wallet", 3, amount="0.000000001"),
        LineInput("wallet", 5, amount="0"),
        LineInput("wallet", 7, amount="-1"),
        LineInput("wallet", 8, amount="abc"),
        LineInput("wallet", 12, amount=""),
        LineInput("wallet", 13, amount=0.001),
        LineInput("cheque", 1, amount="1"),
    ]
    errors = errors_of(drafter, lines=lines)["destinations"]
    assert sorted(errors) == [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    expected = {
        1: "its own destination",
        2: "Wallet 99999 does not exist",
        4: "External account 424242 does not exist",
        5: "belongs to the source wallet",
        6: "mainnet",
        7: "Enter an address",
        8: "Not a valid BTC",
        9: "Duplicate destination: the same as line 1",
        10: "at most 8 decimal places",
        11: "greater than zero",
        12: "",
        13: "Enter the amount in digits",
        14: "Enter an amount",
        15: "decimal strings",
        16: "destination type",
    }
    for index, text in expected.items():
        assert text in " ".join(errors[index]), (index, errors[index])


def test_an_external_account_needs_an_address_for_the_asset(drafter):
    """External account 10 has btc, bch and eth addresses: not ltc."""
    lines = [LineInput("external_account", EXTERNAL, amount="0.1")]
    errors = errors_of(drafter, asset="ltc", lines=lines)
    assert "has no LTC address" in errors["destinations"][0][0]


def test_the_same_bch_address_in_two_spellings_is_a_duplicate(sandbox, drafter):
    lines = [
        LineInput("public_address", public_address=ADDRESS, amount="0.001"),
        LineInput(
            "public_address",
            public_address="bchtest:qr280a6x4r029973z6h6d8ja0spvyeszsyq9z9h9h9",
            amount="0.001",
        ),
    ]
    errors = errors_of(drafter, asset="bch", lines=lines)
    assert "Duplicate destination" in errors["destinations"][1][0]


def test_no_lines_and_a_long_note(drafter):
    errors = errors_of(drafter, lines=[], note="x" * 2001)
    assert errors["non_field"] == ["Add at least one destination."]
    assert "destinations" not in errors
    assert "too long" in errors["note"][0]


def test_the_total_must_fit_the_available_funds(drafter, approver):
    """available = balance (spendable not read yet) − approved payouts of the wallet/asset.
    Wallet 1 holds 12.34567891 BTC; an approved 10 BTC payout leaves 2.34567891."""
    big = draft(drafter, lines=[LineInput("wallet", OTHER_WALLET, amount="10")])
    payout_approve(payout=big, user=approver)
    errors = errors_of_after(drafter, lines=[LineInput("wallet", 3, amount="2.34567892")])
    assert "available 2.34567891 BTC" in errors["non_field"][0]
    assert "10.00000000 BTC reserved" in errors["non_field"][0]
    fits = draft(drafter, lines=[LineInput("wallet", 3, amount="2.34567891")])
    assert int(fits.total) == 234_567_891


def errors_of_after(drafter, **kwargs) -> dict:
    before = Payout.objects.count()
    with pytest.raises(PayoutInvalid) as exc:
        draft(drafter, **kwargs)
    assert Payout.objects.count() == before
    return exc.value.errors


def test_the_last_approval_is_refused_when_funds_are_no_longer_there(drafter, approver):
    first = draft(drafter, lines=[LineInput("wallet", OTHER_WALLET, amount="8")])
    second = draft(drafter, lines=[LineInput("wallet", 3, amount="8")])
    payout_approve(payout=first, user=approver)
    with pytest.raises(ApplicationError, match="Not enough funds"):
        payout_approve(payout=second, user=approver)
    second.refresh_from_db()
    assert second.status == PayoutStatus.PENDING_APPROVAL
    assert not PayoutApproval.objects.filter(payout=second).exists()


def test_only_operators_draft(viewer, approver):
    for user in (viewer, approver):
        with pytest.raises(ApplicationError) as exc:
            draft(user)
        assert exc.value.status == 403
    assert not Payout.objects.exists()


def test_a_fil_reward_withdrawal_draft(drafter):
    payout = payout_create_fil_reward(
        created_by=drafter,
        source_wallet_id=SOURCE,
        storage_provider_id=125,
        amount="1.000000000000000001",
        fee="25",
        note="rewards",
    )
    assert payout.kind == "fil_reward" and payout.asset == "fil"
    assert int(payout.total) == 10**18 + 1
    assert payout.fee == "25" and payout.storage_provider_id == 125
    assert not payout.lines.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": "0.0000000000000000001"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": 1}, "amount"),
        ({"fee": "turbo"}, "fee"),
        ({"fee": "-3"}, "fee"),
        ({"storage_provider_id": 0}, "storage_provider_id"),
        ({"source_wallet_id": COLD_WALLET}, "source_wallet_id"),
    ],
)
def test_a_bad_fil_reward_withdrawal_is_refused(drafter, kwargs, field):
    arguments = {
        "created_by": drafter,
        "source_wallet_id": SOURCE,
        "storage_provider_id": 125,
        "amount": "1",
        "fee": "medium",
        **kwargs,
    }
    with pytest.raises(PayoutInvalid) as exc:
        payout_create_fil_reward(**arguments)
    assert exc.value.errors[field]
    assert not Payout.objects.exists()


def test_an_operator_cannot_create_against_the_interface_with_floats(drafter):
    """A float amount never reaches the database as a rounded number."""
    with pytest.raises(PayoutInvalid):
        payout_create(
            created_by=drafter,
            source_wallet_id=SOURCE,
            asset="btc",
            lines=[LineInput("wallet", OTHER_WALLET, amount=0.1)],
        )


RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: made the page show the words after it reversed


def test_control_and_bidi_characters_in_the_note_and_labels_are_refused(drafter):
    """Notes and labels are shown on the payout page, in its timeline and in emails (and a
    FIL reward's note goes to Balance): the same text rules as sub-address names and notes."""
    lines = [
        LineInput("wallet", OTHER_WALLET, amount="0.001", label=f"rent{RLO}tnuocca"),
        LineInput("external_account", EXTERNAL, amount="0.002", label="bell\x07"),
        LineInput("public_address", public_address=ADDRESS, amount="0.0005", label="ok"),
    ]
    errors = errors_of(drafter, lines=lines, note=f"weekly{RLO} run")
    assert errors["note"] == [
        "The note contains an invisible control character "
        "(U+202E RIGHT-TO-LEFT OVERRIDE); remove it."
    ]
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in errors["destinations"][0][0]
    assert "U+0007 BELL" in errors["destinations"][1][0]
    assert 2 not in errors["destinations"]


def test_a_note_keeps_its_line_breaks_and_a_label_is_one_line(drafter):
    payout = draft(drafter, note="line one\r\nline two  ")
    assert payout.note == "line one\nline two"
    lines = [LineInput("wallet", OTHER_WALLET, amount="0.001", label="two\nlines")]
    errors = errors_of_after(drafter, lines=lines)
    assert "single line" in errors["destinations"][0][0]


def test_a_fil_reward_note_with_a_bidi_override_is_refused(drafter):
    """That note is sent to Balance as the withdrawal's notes."""
    with pytest.raises(PayoutInvalid) as exc:
        payout_create_fil_reward(
            created_by=drafter,
            source_wallet_id=SOURCE,
            storage_provider_id=125,
            amount="1",
            fee="medium",
            note=f"rewards{RLO}",
        )
    assert "U+202E" in exc.value.errors["note"][0]
    assert not Payout.objects.exists()
