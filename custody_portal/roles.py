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
        if request.method in SAFE_METHODS:
            return user.has_perm(VIEW)
        return user.has_perm(OPERATE)
