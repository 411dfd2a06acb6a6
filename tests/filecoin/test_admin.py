"""The Filecoin copy is browsable in the admin, never editable there."""

import pytest

from .factories import AlertFactory, SectorSnapshotFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["storageprovider", "sectorsnapshot", "sectorrollup", "storageprovideralert"]
)
def test_admin_lists_but_cannot_add(admin_client, model):
    SectorSnapshotFactory()
    AlertFactory()

    listing = admin_client.get(f"/admin/filecoin/{model}/")
    adding = admin_client.get(f"/admin/filecoin/{model}/add/")

    assert listing.status_code == 200
    assert adding.status_code == 403
