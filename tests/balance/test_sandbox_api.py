"""Sandbox read/write endpoints: shapes, pagination, sub-addresses, exact amounts, determinism."""

import base64
from decimal import Decimal
from urllib.parse import quote

import pytest

from balance.sandbox.addresses import is_valid_testnet_address

from .test_sandbox_support import Api, parse

WALLET_KEYS = {
    "id",
    "type",
    "kind",
    "custom_id",
    "name",
    "description",
    "balance",
    "funding_addresses",
    "extras",
}


@pytest.fixture
def api(sandbox) -> Api:
    return Api(sandbox)


def _cursor(record_id: int) -> str:
    return base64.b64encode(str(record_id).encode()).decode()


# ---- wallets & pagination ---------------------------------------------------------------


def test_wallet_list_shape_and_order(api):
    body = api.ok("GET", "/api/v1/wallets")
    assert set(body) == {"page_info", "page"}
    assert body["page_info"] == {
        "has_previous_page": False,
        "has_next_page": True,
        "start_cursor": _cursor(30),
        "end_cursor": _cursor(21),
    }
    assert [e["data"]["id"] for e in body["page"]] == list(range(30, 20, -1))
    for entry in body["page"]:
        assert entry["cursor"] == _cursor(entry["data"]["id"])
        assert set(entry["data"]) == WALLET_KEYS  # no spendable_balance in lists


def test_walk_with_after_visits_every_wallet_once(api):
    ids = [w["id"] for w in api.walk("/api/v1/wallets", page_size=7)]
    assert ids == list(range(30, 0, -1))


def test_before_cursor_returns_the_closest_previous_records(api):
    body = api.ok("GET", "/api/v1/wallets", page_size=3, before=_cursor(20))
    assert [e["data"]["id"] for e in body["page"]] == [23, 22, 21]
    assert body["page_info"]["has_previous_page"] is True
    assert body["page_info"]["has_next_page"] is True
    after = api.ok("GET", "/api/v1/wallets", page_size=3, after=_cursor(3))
    assert [e["data"]["id"] for e in after["page"]] == [2, 1]
    assert after["page_info"]["has_next_page"] is False
    assert after["page_info"]["has_previous_page"] is True


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": "0"},
        {"page_size": "101"},
        {"page_size": "ten"},
        {"after": "MTI=", "before": "Mw=="},
        {"after": "!!notbase64"},
        {"type": "hot"},
        {"created_since": "yesterday"},
    ],
)
def test_wallet_list_rejects_bad_parameters(api, params):
    api.error(api.get("/api/v1/wallets", **params), 400)


def test_wallet_list_filters(api):
    cold = api.walk("/api/v1/wallets", type="cold", page_size=100)
    assert cold and all(w["kind"] == "cold" for w in cold)
    warm = api.walk("/api/v1/wallets", type="warm", page_size=100)
    assert len(cold) + len(warm) == 30
    one = api.ok("GET", "/api/v1/wallets", custom_id="TO-00001")
    assert [e["data"]["id"] for e in one["page"]] == [1]
    assert api.ok("GET", "/api/v1/wallets", created_since="4102444800")["page"] == []


def test_wallet_detail_and_404(api):
    wallet = api.ok("GET", "/api/v1/wallets/1")
    assert set(wallet) == WALLET_KEYS | {"spendable_balance"}
    for asset, spendable in wallet["spendable_balance"].items():
        assert spendable <= wallet["balance"][asset]
    assert api.error(api.get("/api/v1/wallets/999"), 404) == "Wallet not found"


def test_exact_amounts_round_trip(api):
    wallet = parse(api.get("/api/v1/wallets/1"))
    assert wallet["balance"]["btc"] == Decimal("12.34567891")
    fil = wallet["balance"]["fil"]
    assert fil == Decimal("10420.498318709580123457")
    assert int(fil.scaleb(18)) > 2**53
    assert '"fil": 10420.498318709580123457' in api.get("/api/v1/wallets/1").text


def test_generated_addresses_are_valid_testnet(api):
    for wallet in api.walk("/api/v1/wallets", page_size=100):
        for asset, address in wallet["funding_addresses"].items():
            if asset in ("btc", "bch", "ltc", "dash"):
                assert is_valid_testnet_address(asset, address), (asset, address)
            elif asset in ("eth", "usdc"):
                assert address.startswith("0x") and len(address) == 42
            elif asset == "fil":
                assert address.startswith("t1")


def test_create_and_update_wallet(api):
    created = api.ok(
        "POST", "/api/v1/wallets", {"name": "foo", "description": "bar", "custom_id": "ABCDefgh123"}
    )
    assert created["id"] == 31 and created["kind"] == "warm" and "spendable_balance" in created
    updated = api.ok("PUT", "/api/v1/wallets/31", {"name": "renamed"})
    assert (updated["name"], updated["custom_id"]) == ("renamed", "ABCDefgh123")
    assert api.ok("GET", "/api/v1/wallets/31")["name"] == "renamed"
    assert "unpermitted parameter: colour" in api.error(
        api.post("/api/v1/wallets", {"colour": "red"}), 400
    )
    originator = {"kind": "corporate", "corporate_name": "Acme Inc."}
    api.ok("PUT", "/api/v1/wallets/31", {"default_originator_entity": originator})
    again = api.put("/api/v1/wallets/31", {"default_originator_entity": originator})
    assert api.error(again, 400) == "Default originator already set for this wallet."


# ---- sub-addresses (seed 000) -----------------------------------------------------------


def test_sub_address_create_and_update_persist(api):
    before = api.ok("GET", "/api/v1/wallets/1/assets/btc")
    assert before[0]["address"] == api.ok("GET", "/api/v1/wallets/1")["funding_addresses"]["btc"]
    assert sum(e["balance"] for e in before) == Decimal("12.34567891")
    created = api.ok(
        "POST",
        "/api/v1/wallets/1/assets/btc",
        {"name": "Test BTC address 2", "notes": "via api", "is_watched": True},
    )
    assert len(created) == len(before) + 1
    new = created[-1]
    assert new == {
        "name": "Test BTC address 2",
        "notes": "via api",
        "address": new["address"],
        "balance": 0,
        "is_watched": True,
    }
    assert is_valid_testnet_address("btc", new["address"])
    path = f"/api/v1/wallets/1/assets/btc/{new['address']}"
    updated = api.ok("PUT", path, {"name": "Renamed", "notes": None, "is_watched": False})
    assert updated == {**new, "name": "Renamed", "notes": None, "is_watched": False}
    assert api.ok("GET", "/api/v1/wallets/1/assets/btc")[-1] == updated


def test_sub_address_errors(api):
    for method in ("GET", "POST"):
        response = api.request(method, "/api/v1/wallets/1/assets/eth")
        assert api.error(response, 400) == "Currency eth does not support sub-addresses."
    unsupported = api.put("/api/v1/wallets/1/assets/fil/t1abc", {"name": "x"})
    assert api.error(unsupported, 400) == "Currency fil does not support sub-addresses."
    missing = api.put("/api/v1/wallets/1/assets/btc/mzzzzz", {"name": "x"})
    assert api.error(missing, 404) == "Address not found"
    assert api.error(api.get("/api/v1/wallets/999/assets/btc"), 404) == "Wallet not found"
    assert api.error(api.post("/api/v1/wallets/1/assets/btc", {"is_watched": "yes"}), 400)
    assert "label" in api.error(api.post("/api/v1/wallets/1/assets/btc", {"label": "x"}), 400)
    assert api.error(api.post("/api/v1/wallets/1/assets/btc", {"name": 5}), 400)


# ---- v2 assets, external accounts, stats, transactions ----------------------------------


def test_v2_asset_holders(api):
    by_id = api.ok("GET", "/api/v2/assets/btc")["wallets"]
    ids = [w["id"] for w in by_id]
    assert ids == sorted(ids, reverse=True) and 1 in ids
    assert all(w["balance"]["btc"] > 0 for w in by_id)
    by_balance = api.ok("GET", "/api/v2/assets/btc", order_by="balance")["wallets"]
    amounts = [w["balance"]["btc"] for w in by_balance]
    assert amounts == sorted(amounts, reverse=True)
    assert api.ok("GET", "/api/v2/assets/btc", page=2)["wallets"] == by_id[25:50]
    assert api.error(api.get("/api/v2/assets/btc", order_by="name"), 400)
    assert api.error(api.get("/api/v2/assets/btc", page="0"), 400)
    assert api.error(api.get("/api/v2/assets"), 404) == "Not found"


def test_external_accounts(api):
    accounts = api.walk("/api/v1/external_accounts", page_size=4)
    assert [a["id"] for a in accounts] == list(range(10, 0, -1))
    one = api.ok("GET", "/api/v1/external_accounts/3")
    assert one == accounts[7]
    assert (one["type"], one["kind"]) == ("wallet", "external")
    assert api.error(api.get("/api/v1/external_accounts/99"), 404)


def test_stats(api):
    totals = api.ok("GET", "/api/v1/stats")["total_assets_in_custody"]
    assert set(totals["btc"]) == {"offline", "unit", "warm"} and totals["btc"]["unit"] == "btc"
    wallets = api.walk("/api/v1/wallets", page_size=100)
    expected = sum(w["balance"].get("btc", 0) for w in wallets)
    assert totals["btc"]["warm"] + totals["btc"]["offline"] == expected


def test_transactions(api):
    everything = api.walk("/api/v1/transactions", page_size=100)
    assert [t["id"] for t in everything] == sorted((t["id"] for t in everything), reverse=True)
    external = api.walk("/api/v1/transactions", type="external", page_size=100)
    assert external and all(t["type"] == "external" and "block" in t for t in external)
    completed = api.walk("/api/v1/transactions", status="completed", type="external")
    assert completed == [t for t in external if t["status"] == "completed"]
    pending = api.walk("/api/v1/transactions", status="pending_approval")
    assert [t["status"] for t in pending] == ["pending_approval"]
    deposit = api.ok("GET", f"/api/v1/transactions/{external[0]['hash']}")
    assert deposit["id"] == external[0]["id"] and "height" in deposit
    internal = next(t for t in everything if t["type"] == "transaction")
    assert api.ok("GET", f"/api/v1/transactions/{internal['id']}")["id"] == internal["id"]
    assert api.error(api.get("/api/v1/transactions/999999"), 404)
    assert api.error(api.get("/api/v1/transactions", status="lost"), 400)


def test_wallet_transactions(api):
    wallet_id = api.ok("GET", "/api/v1/transactions", type="internal")["page"][0]["data"]["source"][
        "id"
    ]
    listed = api.ok("GET", f"/api/v1/wallets/{wallet_id}/transactions")
    assert isinstance(listed, list) and listed
    assert {t.get("direction") for t in listed} <= {"incoming", "outgoing"}
    first = listed[0]
    key = first.get("hash") if first["type"] == "external" else first["id"]
    assert api.ok("GET", f"/api/v1/wallets/{wallet_id}/transactions/{key}")["id"] == first["id"]
    incoming = api.ok("GET", f"/api/v1/wallets/{wallet_id}/transactions", type="external")
    assert all(t["type"] == "external" for t in incoming)


def test_same_seed_same_data(api, sandbox):
    first = api.walk("/api/v1/wallets", page_size=100)
    sandbox.reset(seed=7, wallets=30)
    assert api.walk("/api/v1/wallets", page_size=100) == first
    sandbox.reset(seed=8, wallets=30)
    assert api.walk("/api/v1/wallets", page_size=100) != first


def test_cashaddr_in_the_path_works_encoded_or_not(api):
    """The signature covers the path as sent, so `bchtest%3Aq…` and `bchtest:q…` both work."""
    address = api.ok("GET", "/api/v1/wallets/1/assets/bch")[0]["address"]
    assert address.startswith("bchtest:q")
    for segment in (quote(address, safe=""), address):
        updated = api.ok("PUT", f"/api/v1/wallets/1/assets/bch/{segment}", {"name": segment})
        assert (updated["address"], updated["name"]) == (address, segment)
