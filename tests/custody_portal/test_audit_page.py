"""`/audit/`: the audit log for every reader, filtered, keyset-paged, constant queries."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from custody_portal.audit import audit_record
from tests.factories import UserFactory

from .audit_helpers import record_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_client():
    client = Client()
    client.force_login(UserFactory(username="vera", role="viewer"))
    return client


def _record(actor=None, action="wallet.refresh", object_type="wallet", object_id="7", **extra):
    fields = {"wallet_id": None, **extra}
    return audit_record(
        actor=actor, action=action, object_type=object_type, object_id=object_id, **fields
    )


def _sequences(response) -> list[int]:
    assert response.status_code == 200
    return [event.sequence for event in response.context["page"].events]


def test_the_page_shows_each_event_newest_first(viewer_client):
    alice = UserFactory(username="alice")
    _record(
        actor=alice,
        action="sub_address.create",
        object_type="sub_address",
        object_id="btc:maddr1",
        wallet_id=42,
        before={"name": "old"},
        after={"name": "new", "is_watched": True},
        message="Renamed “new”",
    )
    _record(action="refresh.request", object_type="refresh", object_id="refresh_wallets")

    response = viewer_client.get("/audit/")

    text = response.content.decode()
    assert _sequences(response) == [2, 1]
    assert 'data-sequence="1"' in text
    assert "alice" in text and "system" in text
    assert "sub_address.create" in text and "sub_address:btc:maddr1" in text
    assert 'href="/wallets/42/"' in text
    assert "Renamed “new”" in text
    assert "name “old”" in text and "name “new”, is watched on" in text
    assert 'href="/audit/"' in text and 'aria-current="page">Audit</a>' in text


def test_the_page_needs_the_viewer_permission(client):
    assert client.get("/audit/").status_code == 302
    client.force_login(UserFactory(role=None))
    assert client.get("/audit/").status_code == 403


@pytest.fixture
def varied_events(monkeypatch):
    """1 alice/create/wallet 1, 2 bob/update/wallet 2, 3 system/refresh, 4 alice/update
    on payout 9; recorded on the 20th, 21st, 21st and 22nd, one second before midnight."""
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    days = iter([datetime(2026, 11, d, 23, 59, 59, tzinfo=UTC) for d in (20, 21, 21, 22)])
    with monkeypatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: next(days))
        _record(alice, "sub_address.create", "sub_address", "btc:a", wallet_id=1)
        _record(bob, "sub_address.update", "sub_address", "btc:b", wallet_id=2)
        _record(None, "refresh.request", "refresh", "refresh_wallets")
        _record(alice, "payout.update", "payout", "9", wallet_id=1)


@pytest.mark.parametrize(
    ("query", "sequences"),
    [
        ("", [4, 3, 2, 1]),
        ("user=alice", [4, 1]),
        ("user=system", [3]),
        ("action=sub_address.update", [2]),
        ("subject_type=sub_address", [2, 1]),
        ("subject_type=payout&subject_id=9", [4]),
        ("subject_type=payout&subject_id=8", []),
        ("wallet=1", [4, 1]),
        ("date_from=2026-11-21", [4, 3, 2]),
        ("date_to=2026-11-21", [3, 2, 1]),
        ("date_from=2026-11-21&date_to=2026-11-21", [3, 2]),
        ("user=alice&wallet=1&action=payout.update", [4]),
    ],
)
def test_filters(viewer_client, varied_events, query, sequences):
    assert _sequences(viewer_client.get(f"/audit/?{query}")) == sequences


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=2026-13-45", "From: Enter a valid date."),
        ("date_to=yesterday", "To: Enter a valid date."),
        ("date_from=2026-11-22&date_to=2026-11-21", "To: The end date is before the start date."),
        ("wallet=abc", "Wallet id: Enter a whole number."),
        ("wallet=-3", "Wallet id: Ensure this value is greater than or equal to 1."),
        ("subject_id=9", "Subject type: Give the subject&#x27;s type with its id (e.g. payout)."),
        ("before=x", "Page link: Enter a whole number."),
        ("before=5&after=2", "Use either before or after, not both."),
    ],
)
def test_bad_filters_get_a_message_and_keep_what_was_typed(viewer_client, query, message):
    _record()

    response = viewer_client.get(f"/audit/?{query}")

    text = response.content.decode()
    assert response.status_code == 200
    assert message in text
    assert 'data-testid="audit-table"' not in text
    value = query.split("&")[0].split("=")[1]
    if not query.startswith(("before", "subject_id")):
        assert f'value="{value}"' in text


def test_pages_of_fifty_walk_back_and_forth_keeping_the_filters(viewer_client):
    """GIVEN 120 events of alice and 5 of bob WHEN alice's are paged THEN pages hold 50, 50
    and 20 of hers, newest first, and the links keep the filter."""
    alice = UserFactory(username="alice")
    record_chain(5, [UserFactory(username="bob")])
    for n in range(120):
        _record(actor=alice, object_id=str(n))
    newest = 125

    first = viewer_client.get("/audit/?user=alice")
    assert _sequences(first) == list(range(newest, newest - 50, -1))
    text = first.content.decode()
    assert f"/audit/?user=alice&amp;before={newest - 49}" in text
    assert 'data-testid="page-newer"' not in text

    second = viewer_client.get(f"/audit/?user=alice&before={newest - 49}")
    assert _sequences(second) == list(range(newest - 50, newest - 100, -1))
    assert f"/audit/?user=alice&amp;after={newest - 50}" in second.content.decode()

    third = viewer_client.get(f"/audit/?user=alice&before={newest - 99}")
    assert _sequences(third) == list(range(newest - 100, 5, -1))
    assert 'data-testid="page-older"' not in third.content.decode()

    back = viewer_client.get(f"/audit/?user=alice&after={newest - 100}")
    assert _sequences(back) == _sequences(second)


def test_a_cursor_past_the_end_still_links_back(viewer_client):
    record_chain(3)
    response = viewer_client.get("/audit/?after=3")
    assert _sequences(response) == []
    assert "/audit/?before=4" in response.content.decode()


def test_an_htmx_request_gets_only_the_table(viewer_client):
    _record()
    response = viewer_client.get("/audit/?user=system", headers={"HX-Request": "true"})
    text = response.content.decode()
    assert 'id="audit-events"' in text and "<html" not in text


@pytest.mark.parametrize(
    "url",
    ["/audit/", "/audit/?user=alice", "/audit/?before=150", "/audit/?after=20&wallet=101"],
)
def test_the_query_count_does_not_grow_with_the_log(
    viewer_client, url, django_assert_max_num_queries
):
    users = [UserFactory(username="alice"), UserFactory(username="bob")]
    record_chain(10, users)
    viewer_client.get(url)  # warm per-process caches
    with django_assert_max_num_queries(8) as small:
        assert viewer_client.get(url).status_code == 200
    record_chain(190, users)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        viewer_client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)
