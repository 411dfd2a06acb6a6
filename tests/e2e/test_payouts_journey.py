"""The payout journey in a real browser (issue 7): an operator drafts a batch, the drafter
cannot approve it, an approver sets up TOTP and approves, a real Celery worker sends it to the
sandbox once, and the page shows Balance's transaction id and every step."""

import io
import re
import uuid
from base64 import b32decode
from contextlib import ExitStack

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django_otp.oath import TOTP
from playwright.sync_api import expect

from custody_portal.celery import app
from custody_portal.redis import get_redis
from custody_portal.roles import APPROVER
from payouts.models import Payout, PayoutApproval, PayoutStatus
from tests.custody_portal.test_celery_worker import _drop_connection_pools
from wallets.models import ExternalAccount, Wallet
from wallets.services import wallets_refresh

pytestmark = pytest.mark.e2e

SOURCE = 1  # sandbox seed 7: warm, with BTC
ADDRESS = "mztPG6nBar1mZ5J7T619iCuFP9SB5G9j5W"  # the send_batch_now docs' testnet address
SEND_PATH = "/api/v2/send_batch_now"
SEND_TIMEOUT_MS = 30_000


@pytest.fixture
def synced(sandbox, transactional_db):
    """The sandbox's wallets copied into the local database, as the worker would."""
    wallets_refresh()
    return Wallet.objects.filter(removed_at__isnull=True)


@pytest.fixture
def payouts_worker(settings):
    """Start a real Celery worker (in a thread, solo pool) on the test Redis; call the
    returned function to start it. It consumes a queue of its own: the routes of
    `payouts.tasks.*` (and the fee presets task) point there meanwhile, so nothing else in
    the broker reaches it and nothing sent to it stays behind.

    Started on demand because the default test database is an in-memory SQLite shared cache:
    it allows one writing connection at a time and fails (not waits) otherwise, and the
    worker thread has its own connection. So the worker starts once the approval request
    has finished writing, and the live server's connection reads uncommitted (the page's
    polling never trips over the worker's write locks). On PostgreSQL neither matters.
    """
    queue = f"test-payouts-{uuid.uuid4().hex[:12]}"
    previous = (app.conf.broker_url, app.conf.task_routes)
    app.conf.broker_url = settings.CELERY_BROKER_URL
    app.conf.task_routes = {
        "payouts.tasks.*": {"queue": queue},
        "payouts.fees.*": {"queue": queue},
    }
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)  # a cached_property built from the old routes
    _drop_connection_pools()
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = true")
    with ExitStack() as stack:

        def start() -> None:
            stack.enter_context(
                start_worker(
                    app,
                    pool="solo",
                    queues=[queue],
                    perform_ping_check=False,
                    loglevel="WARNING",
                    shutdown_timeout=10,
                )
            )

        try:
            yield start
        finally:
            stack.close()
            get_redis().delete(
                queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
            )
            app.conf.broker_url, app.conf.task_routes = previous
            app.amqp.flush_routes()
            app.amqp.__dict__.pop("router", None)
            _drop_connection_pools()


def _code_from(secret_text: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the secret the page printed."""
    secret = secret_text.replace(" ", "")
    totp = TOTP(b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time += steps_ahead * totp.step
    return f"{totp.token():06d}"


def test_operator_drafts_approver_approves_worker_sends_once(
    page, make_user, login, synced, sandbox, payouts_worker
):
    """GIVEN wallets synced from the sandbox, an operator who is also an approver, another
    approver, and a real worker on the payouts queue
    WHEN the operator drafts a 3-destination batch (one row pasted), tries to approve it (the
    button is absent; a forged POST with the CSRF token is refused), and the approver sets up
    TOTP, logs in again and approves with a code
    THEN the worker sends it once: the page shows `Sent` with Balance's transaction id, the
    sandbox got exactly one send_batch_now, the timeline and the audit page list every step,
    and `verify_audit` passes."""
    drafter = make_user(role="operator", username="olga")
    drafter.groups.add(Group.objects.get(name=APPROVER))  # may approve others, never her own
    approver = make_user(role="approver", username="arne")
    target = Wallet.objects.exclude(pk=SOURCE).order_by("id").first()
    pasted = Wallet.objects.exclude(pk__in=[SOURCE, target.pk]).order_by("id").first()
    account = ExternalAccount.objects.filter(addresses__asset="btc").order_by("id").first()

    # --- The operator drafts the batch --------------------------------------------------
    login(page, drafter)
    page.get_by_test_id("nav-payouts").click()
    page.get_by_test_id("payout-new").click()
    page.get_by_test_id("payout-source-wallet").select_option(str(SOURCE))
    page.get_by_test_id("payout-asset").select_option("btc")
    expect(page.get_by_test_id("funds-available")).to_contain_text("BTC")
    expect(page.get_by_test_id("external-options").locator("option")).not_to_have_count(0)

    rows = page.get_by_test_id("payout-row")
    rows.nth(0).get_by_test_id("row-destination").fill(f"{target.name} (#{target.pk})")
    rows.nth(0).get_by_test_id("row-amount").fill("0.002")
    rows.nth(0).get_by_test_id("row-label").fill("ops float")
    page.get_by_test_id("payout-add-row").click()
    expect(rows).to_have_count(2)
    rows.nth(1).get_by_test_id("row-type").select_option("external_account")
    expect(rows.nth(1).get_by_test_id("row-destination")).to_have_attribute(
        "list", "payout-external-options"
    )
    rows.nth(1).get_by_test_id("row-destination").fill(f"{account.name} (#{account.pk})")
    rows.nth(1).get_by_test_id("row-amount").fill("0.0005")
    # A third row added by mistake, then removed in place.
    page.get_by_test_id("payout-add-row").click()
    expect(rows).to_have_count(3)
    rows.nth(2).get_by_test_id("row-remove").click()
    expect(rows).to_have_count(2)

    page.locator("details.payout-paste summary").click()
    page.get_by_test_id("payout-paste").fill(f"wallet:{pasted.pk},0.001,rent")
    page.get_by_test_id("payout-paste-add").click()
    expect(page.get_by_test_id("payout-notice")).to_have_text(
        "Added 1 destination from the pasted lines."
    )
    expect(rows).to_have_count(3)
    expect(rows.nth(2).get_by_test_id("row-destination")).to_have_value(
        f"{pasted.name} (#{pasted.pk})"
    )
    # What was typed before the paste is still there.
    expect(rows.nth(0).get_by_test_id("row-label")).to_have_value("ops float")
    page.get_by_test_id("payout-note").fill("Monthly float top-up")
    page.get_by_test_id("payout-save").click()

    expect(page.get_by_test_id("payout-status")).to_have_text("Pending approval")
    payout = Payout.objects.get()
    assert page.url.endswith(f"/payouts/{payout.pk}/")
    expect(page.get_by_test_id("payout-line")).to_have_count(3)
    expect(page.get_by_test_id("payout-total")).to_have_text("0.00350000 BTC")
    assert [(x.destination_type, x.destination_id, int(x.amount), x.label) for x in
            payout.lines.order_by("position")] == [
        ("wallet", target.pk, 200_000, "ops float"),
        ("external_account", account.pk, 50_000, ""),
        ("wallet", pasted.pk, 100_000, "rent"),
    ]  # fmt: skip

    # --- The drafter cannot approve: no button, and a forged POST is refused --------------
    expect(page.get_by_test_id("approve-button")).to_have_count(0)
    expect(page.get_by_test_id("approve-blocked")).to_contain_text("You drafted this payout")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    forged = page.request.post(
        f"/payouts/{payout.pk}/approve/",
        form={"csrfmiddlewaretoken": token, "otp_token": "123456"},
    )
    assert forged.status == 403
    assert "You drafted this payout" in forged.text()
    assert not PayoutApproval.objects.exists()

    # --- The approver sets up TOTP ------------------------------------------------------
    page.get_by_role("button", name="Log out").click()
    login(page, approver)
    expect(page.get_by_test_id("nav-payouts-awaiting")).to_contain_text("1")
    page.goto(f"/payouts/{payout.pk}/")
    page.get_by_test_id("setup-otp").click()
    expect(page.get_by_test_id("otp-qr").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("otp-secret").inner_text()
    page.get_by_test_id("otp-token").fill(_code_from(secret))
    page.get_by_test_id("otp-confirm").click()
    expect(page).to_have_url(re.compile(rf"/payouts/{payout.pk}/$"))
    expect(page.get_by_text("Your authenticator app is set up.")).to_be_visible()

    # --- Next session: approve with a code (the enrolment code is spent: next step's) ----
    page.get_by_role("button", name="Log out").click()
    login(page, approver)
    page.goto(f"/payouts/{payout.pk}/")
    page.get_by_test_id("approve-otp").fill(_code_from(secret, steps_ahead=1))
    page.get_by_test_id("approve-button").click()
    expect(page.get_by_text(f"You approved {payout.reference}.")).to_be_visible()
    expect(page.get_by_test_id("payout-status")).to_have_text("Approved")

    # --- A worker takes the queued send; the page follows by itself ---------------------
    payouts_worker()
    expect(page.get_by_test_id("payout-status")).to_have_text("Sent", timeout=SEND_TIMEOUT_MS)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SENT and payout.balance_transaction_id
    expect(page.get_by_test_id("balance-transaction-id")).to_have_text(
        payout.balance_transaction_id
    )
    sends = [c for c in sandbox.calls() if c["path"] == SEND_PATH and c["method"] == "POST"]
    assert len(sends) == 1
    assert sends[0]["body"]["destinations"] == [
        {"type": "wallet", "id": target.pk, "amount": "200000"},
        {"type": "external_account", "id": account.pk, "amount": "50000"},
        {"type": "wallet", "id": pasted.pk, "amount": "100000"},
    ]

    page.reload()
    actions = page.get_by_test_id("timeline-entry").evaluate_all(
        "entries => entries.map(e => e.dataset.action)"
    )
    assert actions == [
        "payout.create",
        "payout.approve",
        "payout.approved",
        "payout.claim",
        "payout.sent",
    ]
    expect(page.get_by_test_id("timeline")).to_contain_text("olga")
    expect(page.get_by_test_id("timeline")).to_contain_text("arne")

    # --- The audit page shows every step, and the hash chain verifies ---------------------
    page.goto(f"/audit/?subject_type=payout&subject_id={payout.pk}")
    audited = page.get_by_test_id("audit-row").evaluate_all(
        "rows => rows.map(r => r.cells[3].innerText.trim())"
    )
    assert sorted(audited) == sorted(actions)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().startswith("OK:")
    assert page.console_errors == []
