"""In-process unit tests of the sandbox's pieces: exact JSON, addresses, data generation."""

import json
from decimal import Decimal

import pytest
from bip_utils import Base58Decoder

from balance.sandbox.addresses import is_valid_testnet_address, make_address
from balance.sandbox.data import generate
from balance.sandbox.jsonnum import Amount, dumps


@pytest.mark.parametrize(
    ("units", "decimals", "literal"),
    [
        (1_234_567_890, 8, "12.34567890"),
        (1, 8, "0.00000001"),
        (-1, 8, "-0.00000001"),
        (0, 18, "0.000000000000000000"),
        (2**70, 18, "1180.591620717411303424"),
        (1234, 0, "1234"),
    ],
)
def test_amount_literals_are_exact(units, decimals, literal):
    assert Amount(units, decimals).literal() == literal
    parsed = json.loads(dumps({"x": Amount(units, decimals)}), parse_float=Decimal)["x"]
    assert Decimal(parsed) == Decimal(units).scaleb(-decimals)


def test_dumps_is_strict_json_and_refuses_floats():
    text = dumps({"s": 'é"', "n": None, "b": [True, False], "d": Decimal("0.000075606")})
    assert json.loads(text) == {"s": 'é"', "n": None, "b": [True, False], "d": 0.000075606}
    with pytest.raises(TypeError):
        dumps({"x": 0.1})


@pytest.mark.parametrize("asset", ["btc", "bch", "ltc", "dash"])
def test_generated_addresses_validate_and_mainnet_does_not(asset):
    address = make_address(asset, 1, "wallet", 1, 0)
    assert is_valid_testnet_address(asset, address)
    assert not is_valid_testnet_address(asset, address[:-1] + ("1" if address[-1] != "1" else "2"))
    other = {"btc": "dash", "ltc": "dash", "dash": "btc", "bch": "dash"}[asset]
    assert not is_valid_testnet_address(asset, make_address(other, 1, "wallet", 1, 0))


def test_address_formats():
    assert Base58Decoder.CheckDecode(make_address("dash", 1, "w"))[0] == 0x8C
    assert Base58Decoder.CheckDecode(make_address("btc", 1, "w"))[0] == 0x6F
    assert make_address("bch", 1, "w").startswith("bchtest:q")
    assert make_address("fil", 1, "w").startswith("t1")
    assert not is_valid_testnet_address("btc", "1JfQeTopCr1SNk9qoF7qsfCcGtmNUvZdbg")  # mainnet
    assert not is_valid_testnet_address(
        "bch", "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"
    )
    assert is_valid_testnet_address("btc", "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx")
    assert is_valid_testnet_address("btc", "mztPG6nBar1mZ5J7T619iCuFP9SB5G9j5W")


def test_generation_is_deterministic_and_consistent():
    """Speed is measured by bench/sandbox_bench.py, not asserted here."""
    a, b = generate(5, 200), generate(5, 200)
    assert a.wallets == b.wallets and a.transactions == b.transactions
    assert a.storage_providers == b.storage_providers
    assert generate(6, 200).wallets != a.wallets
    big = generate(1, 5_000)
    assert len(big.wallets) == 5_000 and big.wallets[1].balances["btc"] == 1_234_567_891
    for wallet in big.wallets.values():
        for asset, spendable in wallet.spendable.items():
            assert 0 <= spendable <= wallet.balances[asset]
