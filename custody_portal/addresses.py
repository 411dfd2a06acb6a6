"""Address validation per asset **and** network (DESIGN.md §5), with bip-utils.

One function, `validate_address`, that every form and API serializer calls before an address
reaches Balance. It checks the checksum and the version/prefix of the configured network
(`BALANCE_NETWORK`: mainnet or testnet) and returns the canonical form: CashAddr with its
prefix for bch (legacy addresses are converted, CashAddr is the preferred display form),
lower-case for bech32, unchanged otherwise.
"""

from dataclasses import dataclass

from bip_utils import Base58Decoder, BchBech32Decoder, BchBech32Encoder, SegwitBech32Decoder

NETWORKS = ("mainnet", "testnet")
MAX_ADDRESS_LENGTH = 120


class AddressError(ValueError):
    """An address that is not valid for the asset on the configured network; the message is
    for the user."""


@dataclass(frozen=True)
class _Format:
    p2pkh: tuple[int, ...]  # Base58Check version bytes of pay-to-pubkey-hash
    p2sh: tuple[int, ...]  # ... and of pay-to-script-hash
    segwit_hrp: str | None = None  # bech32 / bech32m human-readable part
    cashaddr_prefix: str | None = None  # bch only


# LTC P2SH moved from 0x05 (mainnet) / 0xc4 (testnet) to 0x32 / 0x3a; both forms are seen.
_FORMATS: dict[tuple[str, str], _Format] = {
    ("btc", "mainnet"): _Format((0x00,), (0x05,), segwit_hrp="bc"),
    ("btc", "testnet"): _Format((0x6F,), (0xC4,), segwit_hrp="tb"),
    ("ltc", "mainnet"): _Format((0x30,), (0x32, 0x05), segwit_hrp="ltc"),
    ("ltc", "testnet"): _Format((0x6F,), (0x3A, 0xC4), segwit_hrp="tltc"),
    ("dash", "mainnet"): _Format((0x4C,), (0x10,)),
    ("dash", "testnet"): _Format((0x8C,), (0x13,)),
    ("bch", "mainnet"): _Format((0x00,), (0x05,), cashaddr_prefix="bitcoincash"),
    ("bch", "testnet"): _Format((0x6F,), (0xC4,), cashaddr_prefix="bchtest"),
}
_CASHADDR_TYPES = {0x00: "p2pkh", 0x08: "p2sh"}

ADDRESS_ASSETS: tuple[str, ...] = tuple(sorted({asset for asset, _ in _FORMATS}))


def _network(network: str | None) -> str:
    if network is None:
        from django.conf import settings

        network = settings.BALANCE_NETWORK
    if network not in NETWORKS:
        raise ValueError(f"BALANCE_NETWORK must be one of {NETWORKS}, not {network!r}")
    return network


def validate_address(asset: str, address: str, *, network: str | None = None) -> str:
    """The canonical form of `address` for `asset` on `network` (default: BALANCE_NETWORK),
    or AddressError saying what is wrong."""
    asset = (asset or "").lower()
    network = _network(network)
    fmt = _FORMATS.get((asset, network))
    if fmt is None:
        raise AddressError(f"The portal cannot check {asset.upper() or 'this asset'} addresses.")
    if not isinstance(address, str) or not address.strip():
        raise AddressError("Enter an address.")
    text = address.strip()
    well_formed = text.isascii() and (text.isalnum() or ":" in text)
    if len(text) > MAX_ADDRESS_LENGTH or not well_formed:
        raise AddressError(_invalid(asset, network))
    if fmt.cashaddr_prefix and (":" in text or text[:1].lower() in "qp"):
        return _cashaddr(text, fmt.cashaddr_prefix, asset, network)
    if fmt.segwit_hrp and text.lower().startswith(fmt.segwit_hrp + "1"):
        return _segwit(text, fmt.segwit_hrp, asset, network)
    version = _base58_version(text)
    if version is None or version not in fmt.p2pkh + fmt.p2sh:
        raise AddressError(_invalid(asset, network, _other_network_hint(asset, network, text)))
    if fmt.cashaddr_prefix:  # bch legacy → CashAddr, the preferred form
        payload = Base58Decoder.CheckDecode(text)[1:]
        kind = b"\x00" if version in fmt.p2pkh else b"\x08"
        return BchBech32Encoder.Encode(fmt.cashaddr_prefix, kind, payload)
    return text


def is_valid_address(asset: str, address: str, *, network: str | None = None) -> bool:
    try:
        validate_address(asset, address, network=network)
    except AddressError:
        return False
    return True


def _invalid(asset: str, network: str, hint: str = "") -> str:
    return f"Not a valid {asset.upper()} {network} address.{hint}"


def _other_network_hint(asset: str, network: str, text: str) -> str:
    other = "testnet" if network == "mainnet" else "mainnet"
    try:
        validate_address(asset, text, network=other)
    except AddressError:
        return ""
    return f" It is a {other} address; this portal is configured for {network}."


def _base58_version(text: str) -> int | None:
    try:
        raw = Base58Decoder.CheckDecode(text)
    except Exception:  # bip_utils raises several error types for malformed input
        return None
    return raw[0] if len(raw) == 21 else None


def _segwit(text: str, hrp: str, asset: str, network: str) -> str:
    if text != text.lower() and text != text.upper():  # mixed case is invalid in bech32
        raise AddressError(_invalid(asset, network))
    try:
        version, program = SegwitBech32Decoder.Decode(hrp, text.lower())
    except Exception as exc:
        raise AddressError(_invalid(asset, network)) from exc
    valid = (version == 0 and len(program) in (20, 32)) or (
        1 <= version <= 16 and 2 <= len(program) <= 40
    )
    if not valid:
        raise AddressError(_invalid(asset, network))
    return text.lower()


def _cashaddr(text: str, prefix: str, asset: str, network: str) -> str:
    full = text if ":" in text else f"{prefix}:{text}"
    if full != full.lower() and full != full.upper():
        raise AddressError(_invalid(asset, network))
    full = full.lower()
    if not full.startswith(prefix + ":"):
        raise AddressError(_invalid(asset, network, _other_network_hint(asset, network, text)))
    try:
        kind, payload = BchBech32Decoder.Decode(prefix, full)
    except Exception as exc:
        raise AddressError(_invalid(asset, network)) from exc
    if kind[0] not in _CASHADDR_TYPES or len(payload) != 20:
        raise AddressError(_invalid(asset, network))
    return full
