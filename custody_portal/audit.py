"""The audit trail every app writes to: who did what, when, before → after."""

from django.contrib.auth.base_user import AbstractBaseUser

from custody_portal.models import AuditEvent


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    object_type: str,
    object_id: str,
    wallet_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
    message: str = "",
) -> AuditEvent:
    """Store one audit event; `actor` may be None for system actions."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        wallet_id=wallet_id,
        before=before,
        after=after,
        message=message,
    )
