"""Concurrent writers never fork the audit chain (PostgreSQL: real row locks, real threads,
one connection each); and the `postgres` marker skips such tests elsewhere, saying why."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections, transaction

from custody_portal.audit import audit_record, audit_verify
from custody_portal.models import AuditEvent
from tests import conftest

WRITERS = 8
APPENDS = 25


def _append(writer: int, index: int) -> None:
    audit_record(
        actor=None,
        action="test.append",
        object_type="writer",
        object_id=str(writer),
        wallet_id=None,
        after={"index": index},
    )


def _run_threads(target, count: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            target(n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer is stuck"
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    """GIVEN 8 threads, each with its own database connection, released together
    WHEN each appends 25 events, each in its own transaction
    THEN every append succeeds, the sequence is 1..200 without gap, and the chain verifies."""
    start = threading.Barrier(WRITERS)

    def writer(n: int) -> None:
        start.wait()
        for index in range(APPENDS):
            with transaction.atomic():
                _append(n, index)

    errors = _run_threads(writer, WRITERS)

    assert errors == []
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, WRITERS * APPENDS + 1))
    per_writer = Counter(AuditEvent.objects.values_list("object_id", flat=True))
    assert per_writer == {str(n): APPENDS for n in range(WRITERS)}
    report = audit_verify()
    assert report.ok, str(report)
    assert report.checked == WRITERS * APPENDS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_head_stays_locked_until_the_callers_transaction_commits():
    """GIVEN a writer that appended inside a transaction still open
    WHEN another writer appends THEN it waits, and takes the next sequence once the first
    commits (it never reads the head the first one is about to move)."""
    _append(0, 0)  # the head row exists and is committed (as after the migration)
    appended, release, second_done = threading.Event(), threading.Event(), threading.Event()
    results: dict[str, int] = {}

    def first(_: int) -> None:
        with transaction.atomic():
            _append(1, 0)
            appended.set()
            assert release.wait(30)

    def second(_: int) -> None:
        assert appended.wait(30)
        with transaction.atomic():
            results["second"] = audit_record(
                actor=None,
                action="test.second",
                object_type="writer",
                object_id="2",
                wallet_id=None,
            ).sequence
        second_done.set()

    holder = threading.Thread(target=lambda: _run_threads(first, 1))
    holder.start()
    waiter = threading.Thread(target=lambda: _run_threads(second, 1))
    waiter.start()
    assert appended.wait(30)

    assert not second_done.wait(0.5), "the second writer did not wait for the head"
    release.set()
    holder.join(30)
    waiter.join(30)

    assert results == {"second": 3}
    assert audit_verify().ok


class _Item:
    """The two things the collection hook uses of a pytest item."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.markers: list = []

    def get_closest_marker(self, name: str):
        return object() if name == "postgres" and self.postgres else None

    def add_marker(self, marker) -> None:
        self.markers.append(marker)


@pytest.mark.parametrize(
    ("engine", "skipped"),
    [("django.db.backends.sqlite3", True), ("django.db.backends.postgresql", False)],
)
def test_the_postgres_marker_skips_with_the_reason_unless_the_database_is_postgresql(
    monkeypatch, engine, skipped
):
    from django.conf import settings

    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", engine)
    marked, plain = _Item(postgres=True), _Item(postgres=False)

    conftest.pytest_collection_modifyitems(None, [marked, plain])

    assert plain.markers == []
    reasons = [m.kwargs["reason"] for m in marked.markers if m.name == "skip"]
    assert reasons == (["needs PostgreSQL: set DATABASE_URL=postgres://…"] if skipped else [])


@pytest.mark.postgres
def test_a_postgres_test_runs_on_postgresql():
    assert connection.vendor == "postgresql"
