"""The wallets API produces a valid OpenAPI schema without warnings."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_is_valid_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    text = target.read_text()
    assert "/api/wallets/{wallet_id}/sub-addresses/{asset}/{address}/" in text
    assert "/api/external-accounts/" in text
