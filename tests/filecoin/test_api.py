"""Filecoin JSON API: exact FIL strings (signed), health, open alerts, strict parameters."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from filecoin.services import sector_rollups_refresh, storage_provider_alerts_sync

from .factories import FIL, SectorSnapshotFactory, StorageProviderFactory

pytestmark = pytest.mark.django_db


def test_providers_come_worst_first_with_exact_signed_amounts_and_open_alerts(viewer_client):
    healthy = StorageProviderFactory(available_balance=10_420_498_318_709_580_000_000)
    debt = StorageProviderFactory(available_balance=-(2**70) - 1, locked_rewards=2**64 + 1)
    storage_provider_alerts_sync()

    body = viewer_client.get("/api/storage-providers/").json()

    first, second = body["results"]
    assert (first["id"], first["health"], first["in_fee_debt"]) == (debt.id, "fee_debt", True)
    assert first["available_balance_fil"] == "-1180.591620717411303425"
    assert first["locked_rewards_fil"] == "18.446744073709551617"
    assert [a["kind"] for a in first["open_alerts"]] == ["fee_debt"]
    assert first["open_alerts"][0]["figures"]["available_balance_fil"] == "-1180.591620717411303425"
    assert (second["id"], second["health"]) == (healthy.id, "healthy")
    assert second["available_balance_fil"] == "10420.498318709580000000"
    assert second["open_alerts"] == []
    assert second["latest_snapshot"]["faulty_sectors"] == 0
    assert second["termination"]["live_sectors_penalty_fil"] is None


def test_provider_detail_and_404(viewer_client):
    provider = StorageProviderFactory(
        termination_live_penalty=3 * FIL, termination_fetched_at=timezone.now()
    )

    body = viewer_client.get(f"/api/storage-providers/{provider.id}/").json()
    missing = viewer_client.get("/api/storage-providers/999999/")

    assert body["termination"]["live_sectors_penalty_fil"] == "3.000000000000000000"
    assert missing.status_code == 404 and "detail" in missing.json()


def test_snapshots_come_from_the_resolution_of_the_range(viewer_client):
    provider = StorageProviderFactory()
    now = timezone.now()
    for minutes, faulty in ((50, 0), (35, 30), (20, 1)):
        SectorSnapshotFactory(
            provider=provider,
            last_updated_at=now - timedelta(minutes=minutes),
            faulty_sectors=faulty,
            available_balance=-FIL if faulty == 30 else FIL,
        )
    sector_rollups_refresh()
    base = f"/api/storage-providers/{provider.id}/snapshots/"

    day = viewer_client.get(base).json()
    year = viewer_client.get(base + "?range=1y").json()

    assert (day["range"], day["resolution"], len(day["points"])) == ("24h", "raw", 3)
    assert day["points"][1]["faulty_sectors"] == {"min": 30, "max": 30, "last": 30}
    assert year["resolution"] == "day" and sum(p["readings"] for p in year["points"]) == 3
    spike_day = next(p for p in year["points"] if p["faulty_sectors"]["max"] == 30)
    assert spike_day["available_balance_fil"]["min"] == "-1.000000000000000000"


@pytest.mark.parametrize("query", ["?range=2y", "?range=24H", "?range=", "?range=7d&range=x"])
def test_a_bad_range_is_a_400_naming_the_allowed_ones(viewer_client, query):
    provider = StorageProviderFactory()

    response = viewer_client.get(f"/api/storage-providers/{provider.id}/snapshots/{query}")

    if query == "?range=":
        assert response.status_code == 200 and response.json()["range"] == "24h"
    else:
        assert response.status_code == 400
        assert response.json()["detail"].startswith("range must be one of 24h, 7d, 30d, 1y")


def test_alerts_filter_by_state_and_provider_strictly(viewer_client):
    a = StorageProviderFactory(faulty_sectors=2)
    b = StorageProviderFactory(available_balance=-1)
    storage_provider_alerts_sync()
    a.faulty_sectors = 0
    a.save()
    storage_provider_alerts_sync()

    open_ = viewer_client.get("/api/filecoin/alerts/").json()["results"]
    closed = viewer_client.get("/api/filecoin/alerts/?state=closed").json()["results"]
    of_b = viewer_client.get(f"/api/filecoin/alerts/?state=all&provider={b.id}").json()["results"]
    bad = viewer_client.get("/api/filecoin/alerts/?state=maybe")
    bad_provider = viewer_client.get("/api/filecoin/alerts/?provider=x")

    assert [(r["provider_id"], r["kind"]) for r in open_] == [(b.id, "fee_debt")]
    assert [(r["provider_id"], r["closed_at"] is not None) for r in closed] == [(a.id, True)]
    assert [r["provider_id"] for r in of_b] == [b.id]
    assert (
        bad.status_code == 400 and "state must be one of open, closed, all" in bad.json()["detail"]
    )
    assert bad_provider.status_code == 400


def test_sort_is_strict_too(viewer_client):
    assert viewer_client.get("/api/storage-providers/?sort=-exposure").status_code == 200
    response = viewer_client.get("/api/storage-providers/?sort=random")
    assert response.status_code == 400 and "sort must be one of" in response.json()["detail"]


def test_token_auth_and_anonymous(client, viewer):
    token = Token.objects.create(user=viewer)
    StorageProviderFactory()

    anonymous = client.get("/api/storage-providers/")
    with_token = client.get(
        "/api/storage-providers/", headers={"Authorization": f"Token {token.key}"}
    )

    assert anonymous.status_code == 401
    assert with_token.status_code == 200 and with_token.json()["count"] == 1


def test_the_schema_documents_the_filecoin_endpoints(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    text = target.read_text()
    for path in (
        "/api/storage-providers/:",
        "/api/storage-providers/{provider_id}/:",
        "/api/storage-providers/{provider_id}/snapshots/:",
        "/api/filecoin/alerts/:",
    ):
        assert path in text
    assert "- 1y" in text and "available_balance_fil" in text
