"""Alerts open when a provider enters a bad state, close when it clears, and can be
acknowledged or muted (audited); operators are emailed when one opens."""

from datetime import timedelta

import pytest
from django.utils import timezone

from custody_portal.models import AuditEvent
from filecoin.models import StorageProviderAlert
from filecoin.services import alert_acknowledge, alert_mute, storage_provider_alerts_sync

from .factories import FIL, StorageProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sync(django_capture_on_commit_callbacks):
    """Run the alert sync and the emails it queues after commit."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return storage_provider_alerts_sync(**kwargs)

    return run


def test_alerts_open_with_figures_email_operators_and_close_when_cleared(
    sync, mailoutbox, operator, viewer
):
    """GIVEN a healthy provider and a faulty one in fee debt
    WHEN alerts are synced, then the faults recover, then the debt is repaid
    THEN two alerts open with the figures of that moment and operators get one email; each
    closes when its state clears, with the figures then; the history is kept."""
    StorageProviderFactory()
    bad = StorageProviderFactory(faulty_sectors=12, live_sectors=1000, available_balance=-2 * FIL)

    assert sync() == {"opened": 2, "closed": 0}
    alerts = {a.kind: a for a in StorageProviderAlert.objects.filter(provider=bad)}
    assert set(alerts) == {"faulty", "fee_debt"}
    assert alerts["fee_debt"].figures["available_balance_fil"] == "-2.000000000000000000"
    assert alerts["faulty"].figures["faulty_sectors"] == 12
    assert [m.to for m in mailoutbox] == [["otto@example.com"]]  # operators only
    assert bad.address in mailoutbox[0].body and "Fee debt" in mailoutbox[0].body
    assert f"http://127.0.0.1:8000/filecoin/{bad.id}/" in mailoutbox[0].body
    assert all(a.notified_at for a in StorageProviderAlert.objects.all())

    assert sync() == {"opened": 0, "closed": 0}  # still bad: nothing new, no new email
    assert len(mailoutbox) == 1

    bad.faulty_sectors = 0
    bad.save()
    assert sync() == {"opened": 0, "closed": 1}
    faulty = StorageProviderAlert.objects.get(provider=bad, kind="faulty")
    assert faulty.closed_at and faulty.close_reason == "cleared"
    assert faulty.closing_figures["faulty_sectors"] == 0

    bad.available_balance = FIL
    bad.save()
    assert sync() == {"opened": 0, "closed": 1}
    assert StorageProviderAlert.objects.filter(closed_at__isnull=True).count() == 0
    assert StorageProviderAlert.objects.count() == 2  # history kept

    bad.faulty_sectors = 3
    bad.save()
    assert sync() == {"opened": 1, "closed": 0}  # a new episode is a new alert
    assert StorageProviderAlert.objects.filter(provider=bad, kind="faulty").count() == 2
    assert len(mailoutbox) == 2


def test_removed_providers_close_their_alerts(sync):
    provider = StorageProviderFactory(faulty_sectors=3)
    sync()
    provider.removed_at = timezone.now()
    provider.save()

    assert sync() == {"opened": 0, "closed": 1}
    assert StorageProviderAlert.objects.get().close_reason == "provider removed"


def test_acknowledge_is_recorded_and_audited(sync, operator):
    provider = StorageProviderFactory(faulty_sectors=3)
    sync()
    alert = StorageProviderAlert.objects.get()

    alert_acknowledge(alert_id=alert.pk, user=operator, note="on it, disk swap")

    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledge_note) == (operator, "on it, disk swap")
    event = AuditEvent.objects.get(action="storage_provider.alert.acknowledge")
    assert (event.actor, event.object_type, event.object_id) == (
        operator,
        "storage_provider",
        str(provider.pk),
    )
    assert event.wallet_id == provider.wallet_id and "disk swap" in event.message


def test_mute_needs_a_reason_and_a_future_time_and_is_audited(sync, operator):
    from custody_portal.errors import ApplicationError

    StorageProviderFactory(faulty_sectors=3)
    sync()
    alert = StorageProviderAlert.objects.get()
    until = timezone.now() + timedelta(hours=4)

    with pytest.raises(ApplicationError, match="Say why"):
        alert_mute(alert_id=alert.pk, user=operator, until=until, reason="  ")
    with pytest.raises(ApplicationError, match="future"):
        alert_mute(alert_id=alert.pk, user=operator, until=timezone.now(), reason="x")
    alert_mute(alert_id=alert.pk, user=operator, until=until, reason="maintenance window")

    alert.refresh_from_db()
    assert (alert.muted_until, alert.muted_by, alert.mute_reason) == (
        until,
        operator,
        "maintenance window",
    )
    event = AuditEvent.objects.get(action="storage_provider.alert.mute")
    assert event.after == {"muted_until": until.isoformat(), "reason": "maintenance window"}


def test_a_mute_carries_over_to_the_next_episode_without_email(sync, operator, mailoutbox):
    provider = StorageProviderFactory(faulty_sectors=3)
    sync()
    first = StorageProviderAlert.objects.get()
    alert_mute(
        alert_id=first.pk, user=operator, until=timezone.now() + timedelta(days=1), reason="flaky"
    )
    provider.faulty_sectors = 0
    provider.save()
    sync()
    provider.faulty_sectors = 5
    provider.save()

    sync()

    second = StorageProviderAlert.objects.get(closed_at__isnull=True)
    assert second.pk != first.pk and second.mute_reason == "flaky"
    assert second.muted_at(timezone.now())
    assert len(mailoutbox) == 1  # only the first episode emailed


def test_closed_alerts_cannot_be_acknowledged(sync, operator):
    from custody_portal.errors import ApplicationError

    provider = StorageProviderFactory(faulty_sectors=3)
    sync()
    provider.faulty_sectors = 0
    provider.save()
    sync()

    with pytest.raises(ApplicationError, match="closed already"):
        alert_acknowledge(alert_id=StorageProviderAlert.objects.get().pk, user=operator)


def test_one_open_alert_per_provider_and_kind_down_to_the_database(sync):
    from django.db import IntegrityError, transaction

    provider = StorageProviderFactory(faulty_sectors=3)
    sync()

    with pytest.raises(IntegrityError), transaction.atomic():
        StorageProviderAlert.objects.create(
            provider=provider, kind="faulty", opened_at=timezone.now()
        )


def test_operators_acknowledge_and_mute_from_the_page(sync, operator_client, viewer_client):
    provider = StorageProviderFactory(faulty_sectors=3)
    sync()
    alert = StorageProviderAlert.objects.get()

    denied = viewer_client.post(f"/filecoin/alerts/{alert.pk}/acknowledge/", {"note": "x"})
    refused = operator_client.post(f"/filecoin/alerts/{alert.pk}/mute/", {"duration": "1d"})
    acked = operator_client.post(
        f"/filecoin/alerts/{alert.pk}/acknowledge/", {"note": "seen", "next": "/filecoin/"}
    )
    muted = operator_client.post(
        f"/filecoin/alerts/{alert.pk}/mute/", {"duration": "4h", "reason": "vendor on site"}
    )
    page = operator_client.get(f"/filecoin/{provider.pk}/").content.decode()

    assert denied.status_code == 403
    assert refused.status_code == 302  # back to the page with the form's error
    assert acked["Location"] == "/filecoin/"
    assert muted["Location"] == f"/filecoin/{provider.pk}/"
    alert.refresh_from_db()
    assert alert.acknowledge_note == "seen" and alert.mute_reason == "vendor on site"
    assert "muted until" in page and "vendor on site" in page and "acknowledged by otto" in page
    assert AuditEvent.objects.filter(object_type="storage_provider").count() == 2


def test_open_alerts_list_needs_attention_first(sync, operator, viewer_client):
    quiet = StorageProviderFactory(faulty_sectors=3, address="t0111")
    loud = StorageProviderFactory(faulty_sectors=3, address="t0222")
    sync()
    alert_mute(
        alert_id=StorageProviderAlert.objects.get(provider=loud).pk,
        user=operator,
        until=timezone.now() + timedelta(hours=1),
        reason="known",
    )
    alert_acknowledge(alert_id=StorageProviderAlert.objects.get(provider=quiet).pk, user=operator)
    StorageProviderFactory(available_balance=-1, address="t0333")
    sync()

    rows = viewer_client.get("/api/filecoin/alerts/").json()["results"]

    assert [(r["provider_address"], r["kind"]) for r in rows] == [
        ("t0333", "fee_debt"),
        ("t0111", "faulty"),
        ("t0222", "faulty"),
    ]
    assert rows[2]["muted"] is True and rows[1]["acknowledged_by"] == "otto"
