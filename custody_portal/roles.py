"""The four roles of DESIGN.md §2 as Django groups, and helpers to check them."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from rest_framework.permissions import SAFE_METHODS, BasePermission

VIEWER, OPERATOR, APPROVER, ADMIN = "viewer", "operator", "approver", "admin"

VIEW = "custody_portal.view_portal"
OPERATE = "custody_portal.operate"
APPROVE = "custody_portal.approve_payouts"

# Group name → the permission codenames (in app custody_portal) it carries.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    VIEWER: ("view_portal",),
    OPERATOR: ("view_portal", "operate"),
    APPROVER: ("view_portal", "approve_payouts"),
    ADMIN: ("view_portal", "operate", "approve_payouts"),
}


class ViewerRequiredMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Any page: logged in and allowed to read. Anonymous → login page, others → 403."""

    permission_required = VIEW


class OperatorRequiredMixin(ViewerRequiredMixin):
    """Write actions on wallets and sub-addresses; a viewer gets 403."""

    permission_required = OPERATE


class ReadOrOperate(BasePermission):
    """API: reads need the viewer permission, writes the operator permission."""

    message = "You do not have permission to do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        reading = request.method in SAFE_METHODS
        if user.has_perm(VIEW if reading else OPERATE):
            return True
        # Instances live for one request: the message can name who is asking.
        self.message = role_needed_message(VIEWER if reading else OPERATOR, user)
        return False


def role_needed_message(role: str, user) -> str:
    """ "This needs the operator role. You are signed in as otto (viewer). …" (pages and API)."""
    roles = ", ".join(sorted(user.groups.values_list("name", flat=True))) or "no role"
    return (
        f"This needs the {role} role. You are signed in as {user.get_username()} ({roles}). "
        "Ask an administrator to give you that role."
    )
