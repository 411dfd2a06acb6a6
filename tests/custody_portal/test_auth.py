"""Login, logout, and who may see the home page."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_user_without_role_is_forbidden(client):
    client.force_login(UserFactory())

    assert client.get(reverse("home")).status_code == 403


@pytest.mark.parametrize("role", ["viewer", "operator", "approver", "admin"])
def test_every_role_sees_home(client, role):
    user = UserFactory(role=role)
    client.force_login(user)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert user.username in response.content.decode()


def test_login_form_logs_in_and_lands_on_home(client):
    user = UserFactory(role="viewer")

    response = client.post(
        reverse("login"), {"username": user.username, "password": user.raw_password}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_shows_error(client):
    user = UserFactory(role="viewer")

    response = client.post(reverse("login"), {"username": user.username, "password": "nope"})

    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def test_logout_is_a_post_and_returns_to_login(client):
    client.force_login(UserFactory(role="viewer"))

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_login_page_has_csp_header(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_healthz_answers(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_admin_can_browse_but_not_edit_the_audit_trail(client):
    from custody_portal.audit import audit_record
    from custody_portal.models import AuditEvent

    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    event = audit_record(
        actor=admin,
        action="sub_address.create",
        object_type="sub_address",
        object_id="btc:x",
        wallet_id=None,
    )
    client.force_login(admin)

    assert client.get("/admin/custody_portal/auditevent/").status_code == 200
    assert client.get("/admin/custody_portal/refreshrun/").status_code == 200
    response = client.post(f"/admin/custody_portal/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
