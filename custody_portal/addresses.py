"""Address validation per asset **and** network (DESIGN.md §5), with bip-utils.

One function, `validate_address`, that every form and API serializer calls before an address
reaches Balance. It checks the checksum and the version/prefix of the configured network
(`BALANCE_NETWORK`: mainnet or testnet) and returns the canonical form: CashAddr with its
prefix for bch (legacy addresses are converted, CashAddr is the preferred display form),
lower-case for bech32, unchanged otherwise.

Accepted per asset (both networks):
- btc: P2PKH, P2SH (Base58Check); SegWit v0 (bech32, 20- or 32-byte program) and Taproot
  (v1, bech32m, 32 bytes). Later witness versions are well-formed (BIP-350) but refused: no
  soft fork gives them meaning yet, so coins sent there could be taken by anyone.
- ltc: the same, with Litecoin's versions and `ltc`/`tltc`; P2SH under both the current
  (M…/Q…) and the old, bitcoin-shared (3…/2…) version byte.
- dash: P2PKH and P2SH (X…/7… mainnet, y…/8… testnet).
- bch: CashAddr P2PKH/P2SH (q…/p…, 160-bit), with or without the prefix, all lower or all
  upper case; legacy Base58 addresses, converted to CashAddr.
"""

from dataclasses import dataclass

from bip_utils import Base58Decoder, BchBech32Decoder, BchBech32Encoder, SegwitBech32Decoder
from bip_utils.base58 import Base58ChecksumError
from bip_utils.bech32 import Bech32ChecksumError
from django.core.exceptions import ImproperlyConfigured

NETWORKS = ("mainnet", "testnet")
MAX_ADDRESS_LENGTH = 120


class AddressError(ValueError):
    """An address that is not valid for the asset on the configured network; the message is
    for the user."""


class _Invalid(Exception):
    """Why one (asset, network) decoding failed; `checksum` when only the checksum is wrong."""

    def __init__(self, reason: str = "", *, checksum: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.checksum = checksum


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
# CashAddr version byte: type in bits 3–6, hash size in bits 0–2 (0 = 160 bits).
_CASHADDR_P2PKH, _CASHADDR_P2SH = b"\x00", b"\x08"

ADDRESS_ASSETS: tuple[str, ...] = tuple(sorted({asset for asset, _ in _FORMATS}))


def _network(network: str | None) -> str:
    if network is None:
        from django.conf import settings

        network = settings.BALANCE_NETWORK
    if network not in NETWORKS:
        # A deployment mistake, not the user's: not an AddressError (a ValueError).
        raise ImproperlyConfigured(
            f"BALANCE_NETWORK must be one of {', '.join(NETWORKS)}, not {network!r}."
        )
    return network


def validate_address(asset: str, address: str, *, network: str | None = None) -> str:
    """The canonical form of `address` for `asset` on `network` (default: BALANCE_NETWORK),
    or AddressError saying what is wrong: the other network's address, another asset's
    address, a wrong checksum (a typo), spaces, stray characters."""
    asset = (asset or "").lower()
    network = _network(network)
    fmt = _FORMATS.get((asset, network))
    if fmt is None:
        raise AddressError(f"The portal cannot check {asset.upper() or 'this asset'} addresses.")
    if not isinstance(address, str) or not address.strip():
        raise AddressError("Enter an address.")
    text = address.strip()
    problem = _shape_problem(text, fmt)
    if problem:
        # "bitcoincash:q…" entered for BTC is better answered by naming BCH than the prefix.
        hint = _elsewhere(asset, network, text) if problem == _PREFIXED else ""
        scheme = text.split(":", 1)[0]
        raise AddressError(f"{_invalid(asset, network)} {hint or problem.format(scheme=scheme)}")
    try:
        return _decode(text, fmt)
    except _Invalid as exc:
        hint = _elsewhere(asset, network, text) or exc.reason
        if not hint and exc.checksum:
            hint = "Its checksum does not match: check it for a typo or a missing character."
        raise AddressError(f"{_invalid(asset, network)} {hint}".rstrip()) from None


def is_valid_address(asset: str, address: str, *, network: str | None = None) -> bool:
    """True when `validate_address` accepts `address`."""
    try:
        validate_address(asset, address, network=network)
    except AddressError:
        return False
    return True


def _invalid(asset: str, network: str) -> str:
    return f"Not a valid {asset.upper()} {network} address."


_PREFIXED = "Enter the address only, without “{scheme}:” in front."


def _shape_problem(text: str, fmt: _Format) -> str:
    """What is wrong with the characters themselves, before any decoding; "" if nothing.
    `_PREFIXED` (a payment link, "bitcoin:…") is a template for the scheme."""
    if len(text) > MAX_ADDRESS_LENGTH:
        return "It is too long."
    if any(ch.isspace() for ch in text):
        return "Remove the spaces inside it."
    if not text.isascii():
        return "It contains characters that cannot be part of an address."
    if ":" in text and not fmt.cashaddr_prefix:
        return _PREFIXED
    if not text.replace(":", "", 1 if fmt.cashaddr_prefix else 0).isalnum():
        return "It contains characters that cannot be part of an address."
    return ""


def _decode(text: str, fmt: _Format) -> str:
    """The canonical address, or _Invalid. Never recurses, never looks at other formats."""
    if fmt.cashaddr_prefix and (":" in text or text[:1] in "qpQP"):
        return _cashaddr(text, fmt.cashaddr_prefix)
    if fmt.segwit_hrp and text.lower().startswith(fmt.segwit_hrp + "1"):
        return _segwit(text, fmt.segwit_hrp)
    version, payload = _base58(text)
    if version not in fmt.p2pkh + fmt.p2sh:
        raise _Invalid()
    if fmt.cashaddr_prefix:  # bch legacy → CashAddr, the preferred form
        kind = _CASHADDR_P2PKH if version in fmt.p2pkh else _CASHADDR_P2SH
        return BchBech32Encoder.Encode(fmt.cashaddr_prefix, kind, payload)
    return text


def _elsewhere(asset: str, network: str, text: str) -> str:
    """A hint naming where `text` *is* valid: the same asset's other network first, else
    other assets (a LTC address entered for BTC); "" when it is valid nowhere."""
    valid = []
    for (other_asset, other_network), fmt in _FORMATS.items():
        try:
            _decode(text, fmt)
        except _Invalid:
            continue
        valid.append((other_asset, other_network))
    same_asset = [n for a, n in valid if a == asset]
    if same_asset:
        return f"It is a {same_asset[0]} address; this portal is configured for {network}."
    for candidate_network in (network, *NETWORKS):
        assets = sorted(a.upper() for a, n in valid if n == candidate_network)
        if assets:
            names = ", ".join(assets[:-1]) + " or " + assets[-1] if len(assets) > 1 else assets[0]
            return f"It is a {names} {candidate_network} address."
    return ""


def _base58(text: str) -> tuple[int, bytes]:
    try:
        raw = Base58Decoder.CheckDecode(text)
    except Base58ChecksumError as exc:
        raise _Invalid(checksum=True) from exc
    except Exception as exc:  # bip_utils raises several error types for malformed input
        raise _Invalid() from exc
    if len(raw) != 21:
        raise _Invalid()
    return raw[0], raw[1:]


def _segwit(text: str, hrp: str) -> str:
    if text != text.lower() and text != text.upper():  # mixed case is invalid in bech32
        raise _Invalid("Upper and lower case are mixed: use the address exactly as given.")
    try:
        version, program = SegwitBech32Decoder.Decode(hrp, text.lower())
    except Bech32ChecksumError as exc:  # also a v0 address with a bech32m checksum, or v1+
        raise _Invalid(checksum=True) from exc
    except Exception as exc:
        raise _Invalid() from exc
    if version == 0 and len(program) in (20, 32):
        return text.lower()
    if version == 1 and len(program) == 32:  # Taproot
        return text.lower()
    raise _Invalid(
        f"It uses SegWit version {version} with a {len(program)}-byte program, which has no "
        "meaning yet: coins sent there could be lost."
    )


def _cashaddr(text: str, prefix: str) -> str:
    if text != text.lower() and text != text.upper():  # CashAddr: all lower or all upper
        raise _Invalid("Upper and lower case are mixed: use the address exactly as given.")
    full = (text if ":" in text else f"{prefix}:{text}").lower()
    if not full.startswith(prefix + ":"):
        raise _Invalid()
    try:
        kind, payload = BchBech32Decoder.Decode(prefix, full)
    except Bech32ChecksumError as exc:
        raise _Invalid(checksum=True) from exc
    except Exception as exc:
        raise _Invalid() from exc
    if kind not in (_CASHADDR_P2PKH, _CASHADDR_P2SH):  # P2SH32, token-aware types…
        raise _Invalid("It is a CashAddr type the portal does not send to.")
    if len(payload) != 20:
        raise _Invalid()
    return full
