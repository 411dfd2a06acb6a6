"""validate_address: per asset and network, against published vectors.

Sources: BIP-173 and BIP-350 (bech32/bech32m segwit test vectors), the CashAddr spec's
translation examples (bitcoincash.org spec/cashaddr.md), and addresses published in the test
suites of other validators for LTC/DASH. Dash testnet P2SH is built from version byte 0x13
(Dash Core chainparams), there being no published example at hand.
"""

import pytest
from bip_utils import Base58Encoder
from django.core.exceptions import ImproperlyConfigured

from balance.sandbox.addresses import hash20, make_address
from custody_portal.addresses import (
    ADDRESS_ASSETS,
    MAX_ADDRESS_LENGTH,
    AddressError,
    is_valid_address,
    validate_address,
)

CHECKSUM = "checksum does not match"


def other(network: str) -> str:
    return "testnet" if network == "mainnet" else "mainnet"


def refused(asset: str, address: str, network: str) -> str:
    with pytest.raises(AddressError) as info:
        validate_address(asset, address, network=network)
    message = str(info.value)
    assert message.startswith(f"Not a valid {asset.upper()} {network} address.") or (
        message == "Enter an address."
    )
    return message


# --- BTC segwit: BIP-350 -------------------------------------------------------------------

BIP350_VALID = [  # (network, address): witness v0 (bech32) and v1 Taproot (bech32m)
    ("mainnet", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"),
    ("testnet", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7"),
    ("testnet", "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy"),
    ("testnet", "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c"),
    ("mainnet", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"),
]


@pytest.mark.parametrize(("network", "address"), BIP350_VALID)
def test_bip350_valid_segwit_addresses_are_accepted_in_lower_case(network, address):
    assert validate_address("btc", address, network=network) == address.lower()


@pytest.mark.parametrize(
    "address",
    [
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",  # v1, 40 B
        "BC1SW50QGDZ25J",  # v16
        "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",  # v2
    ],
)
def test_well_formed_but_undefined_witness_versions_are_refused_with_the_reason(address):
    """BIP-350 lists these as valid, and asks wallets to send to them. A custody portal does
    not: no soft fork gives them meaning, so anyone could take coins sent there, and BIP-350
    itself says no recipient should ever hand one out."""
    message = refused("btc", address, "mainnet")

    assert "SegWit version" in message
    assert "could be lost" in message


BIP173_BIP350_INVALID = [  # (network, address, what is wrong)
    ("mainnet", "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", "human-readable part"),
    ("mainnet", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", CHECKSUM),
    ("mainnet", "BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", "witness version"),
    ("mainnet", "bc1rw5uspcuh", "program length"),
    (
        "mainnet",
        "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
        "program length",
    ),
    ("mainnet", "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "v0 program length"),
    (
        "testnet",
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7",
        "mixed case",
    ),
    ("mainnet", "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", "zero padding > 4 bits"),
    (
        "testnet",
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv",
        "non-zero padding",
    ),
    ("mainnet", "bc1gmk9yu", "empty data"),
    ("mainnet", "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", "hrp"),
    ("mainnet", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", CHECKSUM),
    ("testnet", "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", CHECKSUM),
    ("mainnet", "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", CHECKSUM),
    ("mainnet", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", CHECKSUM),
    ("testnet", "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", CHECKSUM),
    ("mainnet", "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "charset"),
    ("mainnet", "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", "version"),
    ("mainnet", "bc1pw5dgrnzv", "program length 1"),
    (
        "mainnet",
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
        "program length 41",
    ),
    (
        "testnet",
        "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
        "mixed case",
    ),
    ("mainnet", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", "padding"),
    ("testnet", "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", "padding"),
    # BIP-173's v1+ examples carry a bech32 checksum, invalid since BIP-350.
    (
        "mainnet",
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
        CHECKSUM,
    ),
    ("mainnet", "BC1SW50QA3JX3S", CHECKSUM),
    ("mainnet", "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj", CHECKSUM),
]


@pytest.mark.parametrize(("network", "address", "why"), BIP173_BIP350_INVALID)
def test_bip173_and_bip350_invalid_addresses_are_refused(network, address, why):
    message = refused("btc", address, network)

    if why == CHECKSUM:
        assert CHECKSUM in message
    if why == "mixed case":
        assert "Upper and lower case are mixed" in message


# --- Base58Check: BTC, LTC, DASH -----------------------------------------------------------

BASE58_VALID = [  # (asset, network, address)
    ("btc", "mainnet", "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu"),  # P2PKH
    ("btc", "mainnet", "3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC"),  # P2SH
    ("btc", "testnet", "mrLC19Je2BuWQDkWSTriGYPyQJXKkkBmCx"),
    ("btc", "testnet", "2N44ThNe8NXHyv4bsX8AoVCXquBRW94Ls7W"),
    ("ltc", "mainnet", "LUd28DgwFmae8thFhaPYHGVmps4XockqfQ"),  # P2PKH 0x30
    ("ltc", "mainnet", "MLkMXXwmuFFA5L6DmTejSgcxwZfT99f7pg"),  # P2SH 0x32
    ("ltc", "mainnet", "3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC"),  # P2SH, old 0x05
    ("ltc", "mainnet", "ltc1qxtm55gultqzhqzl2p3ks50hg2478y3hehuj6dz"),
    ("ltc", "testnet", "mhKYHWXLmQb93RuzyVmTK2KmM8KJPFrzdb"),  # P2PKH 0x6f
    ("ltc", "testnet", "Qcjgixb2zRFpZYdrp3FHPpkwYgiFdo1XaU"),  # P2SH 0x3a
    ("ltc", "testnet", "2N44ThNe8NXHyv4bsX8AoVCXquBRW94Ls7W"),  # P2SH, old 0xc4
    ("ltc", "testnet", "tltc1qa0kd2d39nmeph3hvcx8ytv65ztcywg5sazhtw8"),
    ("ltc", "testnet", "tltc1qs3ym3gltz2uaw8ttrhg779w6k39x2yn5yytnttvhvkpzcxmh6vuqeswq3q"),
    ("dash", "mainnet", "XjNms118hx6dGyBqsrVMTbzMUmxDVijk7Y"),  # P2PKH 0x4c
    ("dash", "mainnet", "7SSyVfQK3EbQrmPy7b3j4DKk9vWh7yXZ7R"),  # P2SH 0x10
    ("dash", "testnet", "yMfdoASh4QEM3zVpZqgXJ8St38X7VWnzp7"),  # P2PKH 0x8c
    ("dash", "testnet", Base58Encoder.CheckEncode(b"\x13" + hash20("dash p2sh"))),  # P2SH
]


@pytest.mark.parametrize(("asset", "network", "address"), BASE58_VALID)
def test_published_addresses_are_valid_on_their_network_only(asset, network, address):
    assert validate_address(asset, address, network=network) == address
    message = refused(asset, address, other(network))
    assert f"It is a {network} address; this portal is configured for {other(network)}." in (
        message
    )


def test_a_mistyped_base58_address_is_refused_as_a_probable_typo():
    message = refused("btc", "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggv", "mainnet")

    assert CHECKSUM in message


@pytest.mark.parametrize(
    ("asset", "address", "belongs_to"),
    [
        ("btc", "LUd28DgwFmae8thFhaPYHGVmps4XockqfQ", "It is a LTC mainnet address."),
        ("btc", "ltc1qxtm55gultqzhqzl2p3ks50hg2478y3hehuj6dz", "It is a LTC mainnet address."),
        ("btc", "XjNms118hx6dGyBqsrVMTbzMUmxDVijk7Y", "It is a DASH mainnet address."),
        (
            "btc",
            "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
            "It is a BCH mainnet address.",
        ),
        (
            "ltc",
            "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu",
            "It is a BCH or BTC mainnet address.",
        ),
        ("dash", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "It is a BTC mainnet address."),
        ("bch", "LUd28DgwFmae8thFhaPYHGVmps4XockqfQ", "It is a LTC mainnet address."),
    ],
)
def test_another_assets_address_is_refused_and_named(asset, address, belongs_to):
    message = refused(asset, address, "mainnet")

    assert belongs_to in message


def test_another_assets_testnet_address_is_named_with_its_network():
    message = refused("btc", "yMfdoASh4QEM3zVpZqgXJ8St38X7VWnzp7", "mainnet")

    assert "It is a DASH testnet address." in message


# --- BCH: CashAddr and legacy --------------------------------------------------------------

CASHADDR_SPEC = [  # legacy → CashAddr, from the CashAddr spec's translation examples
    ("1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"),
    ("1KXrWXciRDZUpQwQmuM1DbwsKDLYAYsVLR", "qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy"),
    ("16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb", "qqq3728yw0y47sqn6l2na30mcw6zm78dzqre909m2r"),
    ("3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC", "ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq"),
]


@pytest.mark.parametrize(("legacy", "body"), CASHADDR_SPEC)
def test_bch_legacy_addresses_become_cashaddr_and_cashaddr_is_kept(legacy, body):
    cashaddr = f"bitcoincash:{body}"

    assert validate_address("bch", legacy, network="mainnet") == cashaddr
    assert validate_address("bch", cashaddr, network="mainnet") == cashaddr
    assert validate_address("bch", body, network="mainnet") == cashaddr  # prefix optional
    assert validate_address("bch", cashaddr.upper(), network="mainnet") == cashaddr
    assert validate_address("bch", body.upper(), network="mainnet") == cashaddr


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        (
            "mrLC19Je2BuWQDkWSTriGYPyQJXKkkBmCx",
            "bchtest:qpm2qsznhks23z7629mms6s4cwef74vcwvqcw003ap",
        ),
        (
            "bchtest:qpm2qsznhks23z7629mms6s4cwef74vcwvqcw003ap",
            "bchtest:qpm2qsznhks23z7629mms6s4cwef74vcwvqcw003ap",
        ),
        (
            "qpm2qsznhks23z7629mms6s4cwef74vcwvqcw003ap",
            "bchtest:qpm2qsznhks23z7629mms6s4cwef74vcwvqcw003ap",
        ),
        (
            "bchtest:pzq56ujqs245j5fclyyj94veuxfmy8dl8u4qqvjvpx",
            "bchtest:pzq56ujqs245j5fclyyj94veuxfmy8dl8u4qqvjvpx",
        ),
    ],
)  # fmt: skip
def test_bch_testnet_addresses(address, canonical):
    assert validate_address("bch", address, network="testnet") == canonical


@pytest.mark.parametrize(
    "address",
    [
        "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
        "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",  # no prefix: its checksum says mainnet
        "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu",
    ],
)
def test_a_bch_mainnet_address_on_a_testnet_portal_gets_the_network_hint(address):
    message = refused("bch", address, "testnet")

    assert "It is a mainnet address; this portal is configured for testnet." in message


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("bitcoincash:QPm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", "mixed"),
        ("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6q", CHECKSUM),  # last char
        ("bitcoincash:qqyq78nf2w", ""),  # a 4-byte hash
        (  # P2SH32: a valid CashAddr type Balance is not known to send to
            "bitcoincash:pvhfadjrmc4adxl8payajshf34wauh4jlrfnpuyetfnzh5llrnh9w3q8y9qcp",
            "CashAddr type the portal does not send to",
        ),
        ("bchtest:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", ""),  # mainnet body, test prefix
        ("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a:x", "cannot be part"),
    ],
)
def test_bad_cashaddr_is_refused(address, reason):
    message = refused("bch", address, "mainnet")

    assert reason in message


# --- What people paste ---------------------------------------------------------------------


def test_surrounding_whitespace_is_ignored():
    pasted = "\t 1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu \n"

    assert validate_address("btc", pasted, network="mainnet") == pasted.strip()


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("1BpEi6DfDAUFd7 GtittLSdBeYJvcoaVggu", "Remove the spaces inside it."),
        ("1BpEi6DfDAUFd7\u200bGtittLSdBeYJvcoaVggu", "cannot be part of an address"),  # ZWSP
        ("1BpEi6DfDAUFd7GtittLSdBeYJv\u0441oaVggu", "cannot be part of an address"),  # Cyrillic с
        ("bitcoin:1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu?amount=1", "without “bitcoin:” in front"),
        ("1BpEi6DfDAUFd7-GtittLSdBeYJvcoaVggu", "cannot be part of an address"),
        ("1" * (MAX_ADDRESS_LENGTH + 1), "It is too long."),
    ],
)
def test_pasted_garbage_gets_a_plain_reason(address, reason):
    assert reason in refused("btc", address, "mainnet")


@pytest.mark.parametrize("address", ["", "   ", None])
def test_an_empty_address_is_asked_for(address):
    with pytest.raises(AddressError, match=r"^Enter an address\.$"):
        validate_address("btc", address, network="mainnet")


@pytest.mark.parametrize("asset", ADDRESS_ASSETS)
@pytest.mark.parametrize("network", ["mainnet", "testnet"])
@pytest.mark.parametrize(
    "address", ["hello", "1111111111", "bc1", "qqqq", "0x52908400098527886E0F", "2" * 34]
)
def test_an_address_valid_nowhere_is_refused_not_a_crash(asset, network, address):
    """It used to recurse between the two networks until RecursionError (a 500 page)."""
    message = refused(asset, address, network)

    assert "It is a" not in message  # valid nowhere: no network or asset to name


def test_assets_without_an_address_format_are_refused_plainly():
    with pytest.raises(AddressError, match="cannot check ETH addresses"):
        validate_address("eth", "0x52908400098527886E0F7030069857D2E4169EE7", network="mainnet")


# --- Network setting -----------------------------------------------------------------------


def test_the_network_defaults_to_the_setting(settings):
    settings.BALANCE_NETWORK = "mainnet"
    assert is_valid_address("btc", "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu")
    assert not is_valid_address("btc", "mrLC19Je2BuWQDkWSTriGYPyQJXKkkBmCx")

    settings.BALANCE_NETWORK = "testnet"
    assert is_valid_address("btc", "mrLC19Je2BuWQDkWSTriGYPyQJXKkkBmCx")


def test_a_misconfigured_network_is_a_configuration_error_not_a_bad_address(settings):
    """An AddressError (a ValueError) would tell the user their address is wrong."""
    settings.BALANCE_NETWORK = "regtest"

    with pytest.raises(ImproperlyConfigured, match="BALANCE_NETWORK"):
        validate_address("btc", "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu")


# --- The sandbox ---------------------------------------------------------------------------


@pytest.mark.parametrize("asset", ["btc", "bch", "ltc", "dash"])
def test_every_address_the_sandbox_generates_is_valid_on_testnet_only(asset):
    addresses = [make_address(asset, seed, "wallet", n, i) for seed in (0, 7) for n in range(60)
                 for i in range(3)]  # fmt: skip

    for address in addresses:
        canonical = validate_address(asset, address, network="testnet")
        assert canonical == address  # already canonical (CashAddr with prefix for bch)
        assert not is_valid_address(asset, address, network="mainnet")
