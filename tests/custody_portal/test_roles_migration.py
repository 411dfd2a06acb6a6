"""The roles migration creates the four groups of DESIGN.md §2 and nothing else."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from custody_portal.roles import ADMIN, APPROVER, OPERATOR, ROLE_PERMISSIONS, VIEWER

pytestmark = pytest.mark.django_db


def _codenames(group: Group) -> set[str]:
    return set(group.permissions.values_list("codename", flat=True))


def test_four_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {VIEWER, OPERATOR, APPROVER, ADMIN}


@pytest.mark.parametrize("role", [VIEWER, OPERATOR, APPROVER, ADMIN])
def test_group_permissions_match_roles_module(role):
    group = Group.objects.get(name=role)

    assert _codenames(group) == set(ROLE_PERMISSIONS[role])
    assert set(group.permissions.values_list("content_type__app_label", flat=True)) == {
        "custody_portal"
    }


def test_viewer_cannot_operate_or_approve():
    assert _codenames(Group.objects.get(name=VIEWER)) == {"view_portal"}


def test_migrations_create_no_users():
    assert not get_user_model().objects.exists()
