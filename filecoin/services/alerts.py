"""Alerts: open when a provider enters a bad state, close when it clears; acknowledge, mute.

`storage_provider_alerts_sync` compares each active provider's bad states (filecoin.health)
with the open alerts: a new state opens an alert with the figures of that moment, a state
that cleared closes its alert with the figures then (a removed provider's alerts close too).
At most one alert per provider and kind is open (a partial unique constraint). Alerts are
never deleted: closed ones are the history. Operators get one email per sync listing the
alerts that opened, unless muted: a mute (until a time, with a reason) also carries over to a
new alert of the same provider and kind while it lasts, so a flapping provider does not flood
anyone's inbox.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from custody_portal.audit import audit_record
from custody_portal.errors import ApplicationError
from custody_portal.redis import get_redis

from .. import health
from ..display import fil_decimal
from ..models import StorageProvider, StorageProviderAlert

logger = logging.getLogger(__name__)

MAX_MUTE = timedelta(days=90)
REASON_MAX_LENGTH = 500
_SYNC_LOCK = "filecoin:alerts-sync"
_PROVIDER_FIELDS = (
    "id",
    "wallet_id",
    "address",
    "available_balance",
    "locked_rewards",
    "active_sectors",
    "live_sectors",
    "faulty_sectors",
    "faulty_sectors_penalty",
    "faulty_share_ppm",
    "faulty_share_24h_ago_ppm",
    "worsening",
    "last_updated_at",
)


def _fil(value) -> str | None:
    return None if value is None else fil_decimal(value)


def _percent(ppm: int | None) -> str | None:
    return None if ppm is None else f"{ppm / 10_000:.4f}%"


def alert_figures(p: dict) -> dict:
    """The figures an alert records (JSON: exact FIL strings, ISO times)."""
    return {
        "active_sectors": p["active_sectors"],
        "live_sectors": p["live_sectors"],
        "faulty_sectors": p["faulty_sectors"],
        "faulty_share": _percent(p["faulty_share_ppm"]),
        "faulty_share_24h_ago": _percent(p["faulty_share_24h_ago_ppm"]),
        "faulty_sectors_penalty_fil": _fil(p["faulty_sectors_penalty"]),
        "available_balance_fil": _fil(p["available_balance"]),
        "locked_rewards_fil": _fil(p["locked_rewards"]),
        "last_updated_at": p["last_updated_at"].isoformat() if p["last_updated_at"] else None,
    }


def storage_provider_alerts_sync(*, now: datetime | None = None) -> dict:
    """Open and close alerts to match the providers' current states. Returns counts."""
    now = now or timezone.now()
    with get_redis().lock(_SYNC_LOCK, timeout=120, blocking_timeout=60):
        return _sync(now)


def _sync(now: datetime) -> dict:
    providers = {
        p["id"]: p
        for p in StorageProvider.objects.filter(removed_at__isnull=True).values(*_PROVIDER_FIELDS)
    }
    wanted = {
        (pid, kind)
        for pid, p in providers.items()
        for kind in health.conditions(
            available_balance=p["available_balance"],
            faulty_sectors=p["faulty_sectors"],
            worsening=p["worsening"],
            last_updated_at=p["last_updated_at"],
            now=now,
        )
    }
    open_alerts = {
        (a.provider_id, a.kind): a
        for a in StorageProviderAlert.objects.filter(closed_at__isnull=True)
    }
    closing = []
    for key, alert in open_alerts.items():
        if key in wanted:
            continue
        provider = providers.get(alert.provider_id)
        alert.closed_at = now
        alert.close_reason = "cleared" if provider else "provider removed"
        alert.closing_figures = alert_figures(provider) if provider else None
        closing.append(alert)
    new_keys = sorted(wanted - open_alerts.keys())
    mutes = _carried_mutes(new_keys, now)
    opening = [
        StorageProviderAlert(
            provider_id=pid,
            kind=kind,
            opened_at=now,
            figures=alert_figures(providers[pid]),
            **mutes.get((pid, kind), {}),
        )
        for pid, kind in new_keys
    ]
    with transaction.atomic():
        if closing:
            StorageProviderAlert.objects.bulk_update(
                closing, ["closed_at", "close_reason", "closing_figures"]
            )
        created = StorageProviderAlert.objects.bulk_create(opening)
    to_notify = [a.pk for a in created if not a.muted_at(now) and a.pk is not None]
    if to_notify:
        transaction.on_commit(lambda: alerts_notify(alert_ids=to_notify))
    return {"opened": len(opening), "closed": len(closing)}


def _carried_mutes(keys: list[tuple[int, str]], now: datetime) -> dict:
    """Mutes still running on an earlier alert of the same provider and kind."""
    if not keys:
        return {}
    recent = (
        StorageProviderAlert.objects.filter(
            muted_until__gt=now, provider_id__in={pid for pid, _ in keys}
        )
        .order_by("opened_at")
        .values("provider_id", "kind", "muted_until", "muted_by_id", "mute_reason")
    )
    mutes = {}
    for m in recent:  # the newest wins
        key = (m["provider_id"], m["kind"])
        if key in keys:
            mutes[key] = {
                "muted_until": m["muted_until"],
                "muted_by_id": m["muted_by_id"],
                "mute_reason": m["mute_reason"],
            }
    return mutes


def _operator_emails() -> list[str]:
    operate = Permission.objects.filter(
        content_type__app_label="custody_portal", codename="operate"
    ).first()
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    match = Q(is_superuser=True)
    if operate is not None:
        match |= Q(groups__permissions=operate) | Q(user_permissions=operate)
    return sorted(set(users.filter(match).values_list("email", flat=True)))


def alerts_notify(*, alert_ids: list[int]) -> int:
    """Email the operators about newly opened alerts: one message per operator (as payouts
    do: no one sees the others' addresses) listing them all, with links. Best effort: a mail
    failure is logged, the alerts stay open and visible on the pages. Returns messages sent."""
    alerts = list(
        StorageProviderAlert.objects.filter(pk__in=alert_ids, notified_at__isnull=True)
        .select_related("provider")
        .order_by("provider__address", "kind")
    )
    recipients = _operator_emails()
    if not alerts or not recipients:
        return 0
    base = settings.PORTAL_BASE_URL.rstrip("/")
    lines = []
    for alert in alerts:
        f = alert.figures
        lines.append(
            f"- {alert.provider.address} (#{alert.provider_id}): {alert.get_kind_display()} — "
            f"faulty {f.get('faulty_sectors')} of {f.get('live_sectors')} live sectors "
            f"({f.get('faulty_share')}), available {f.get('available_balance_fil')} FIL, "
            f"data from {f.get('last_updated_at')}.\n  {base}/filecoin/{alert.provider_id}/"
        )
    subject = (
        f"Filecoin alert: {alerts[0].provider.address} {alerts[0].get_kind_display().lower()}"
        if len(alerts) == 1
        else f"Filecoin: {len(alerts)} storage-provider alerts opened"
    )
    body = "New storage-provider alerts in the Custody Portal:\n\n" + "\n".join(lines) + "\n"
    messages = [(f"[Custody Portal] {subject}", body, None, [to]) for to in recipients]
    try:
        sent = send_mass_mail(messages, fail_silently=False)
    except Exception:  # SMTP down: the pages still show the alert
        logger.exception("could not email the Filecoin alerts")
        return 0
    StorageProviderAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(
        notified_at=timezone.now()
    )
    return sent


def _audit(alert: StorageProviderAlert, user, action: str, before: dict, after: dict, message: str):
    audit_record(
        actor=user,
        action=action,
        object_type="storage_provider",
        object_id=str(alert.provider_id),
        wallet_id=alert.provider.wallet_id,
        before=before,
        after=after,
        message=message,
    )


def _locked_open_alert(alert_id: int) -> StorageProviderAlert:
    alert = (
        StorageProviderAlert.objects.select_for_update()
        .select_related("provider")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise ApplicationError("There is no such alert.", status=404)
    if alert.closed_at is not None:
        raise ApplicationError("This alert has closed already: its state cleared.", status=409)
    return alert


@transaction.atomic
def alert_acknowledge(
    *, alert_id: int, user: AbstractBaseUser, note: str = ""
) -> StorageProviderAlert:
    """Record that `user` has seen an open alert (who, when, an optional note); audited."""
    note = (note or "").strip()
    if len(note) > REASON_MAX_LENGTH:
        raise ApplicationError(f"Keep the note under {REASON_MAX_LENGTH} characters.", field="note")
    alert = _locked_open_alert(alert_id)
    before = {"acknowledged_by": _username(alert.acknowledged_by), "note": alert.acknowledge_note}
    alert.acknowledged_at, alert.acknowledged_by, alert.acknowledge_note = (
        timezone.now(),
        user,
        note,
    )
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledge_note"])
    _audit(
        alert,
        user,
        "storage_provider.alert.acknowledge",
        before,
        {"acknowledged_by": user.get_username(), "note": note},
        f"Acknowledged the {alert.get_kind_display().lower()} alert of {alert.provider.address}"
        + (f": {note}" if note else ""),
    )
    return alert


@transaction.atomic
def alert_mute(
    *, alert_id: int, user: AbstractBaseUser, until: datetime, reason: str
) -> StorageProviderAlert:
    """Mute an open alert until `until` (no emails, listed apart), with a reason; audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Say why the alert is muted.", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ApplicationError(
            f"Keep the reason under {REASON_MAX_LENGTH} characters.", field="reason"
        )
    now = timezone.now()
    if until <= now:
        raise ApplicationError("Mute until a time in the future.", field="until")
    if until - now > MAX_MUTE:
        raise ApplicationError(
            f"Mute for at most {MAX_MUTE.days} days; acknowledge it instead.", field="until"
        )
    alert = _locked_open_alert(alert_id)
    before = {
        "muted_until": alert.muted_until.isoformat() if alert.muted_until else None,
        "reason": alert.mute_reason,
    }
    alert.muted_until, alert.muted_by, alert.mute_reason = until, user, reason
    alert.save(update_fields=["muted_until", "muted_by", "mute_reason"])
    _audit(
        alert,
        user,
        "storage_provider.alert.mute",
        before,
        {"muted_until": until.isoformat(), "reason": reason},
        f"Muted the {alert.get_kind_display().lower()} alert of {alert.provider.address} "
        f"until {until:%Y-%m-%d %H:%M} UTC: {reason}",
    )
    return alert


@transaction.atomic
def alert_unmute(*, alert_id: int, user: AbstractBaseUser) -> StorageProviderAlert:
    """End a mute early; audited."""
    alert = _locked_open_alert(alert_id)
    if not alert.muted_at(timezone.now()):
        raise ApplicationError("This alert is not muted.", status=409)
    before = {"muted_until": alert.muted_until.isoformat(), "reason": alert.mute_reason}
    alert.muted_until = timezone.now()
    alert.save(update_fields=["muted_until"])
    _audit(
        alert,
        user,
        "storage_provider.alert.unmute",
        before,
        {"muted_until": alert.muted_until.isoformat()},
        f"Unmuted the {alert.get_kind_display().lower()} alert of {alert.provider.address}",
    )
    return alert


def _username(user) -> str | None:
    return user.get_username() if user is not None else None
