"""Testnet addresses for the sandbox: derived from hashes (fast, no EC math) and validated.

Every generated address is well-formed for its chain's **testnet** (checksums included), so the
portal's own validation accepts them, but no private key exists for any of them.
"""

import base64
import hashlib

from bip_utils import (
    Base58Decoder,
    Base58Encoder,
    BchBech32Decoder,
    BchBech32Encoder,
    Kekkak256,
    SegwitBech32Decoder,
)

# Base58Check version bytes (testnet): P2PKH and P2SH per chain. LTC testnet P2PKH shares
# bitcoin's 0x6f; its P2SH moved from 0xc4 to 0x3a, and both are still seen.
_BASE58_VERSIONS: dict[str, tuple[int, ...]] = {
    "btc": (0x6F, 0xC4),
    "bch": (0x6F, 0xC4),  # legacy (pre-CashAddr) form
    "ltc": (0x6F, 0xC4, 0x3A),
    "dash": (0x8C, 0x13),
}
_P2PKH_VERSION = {"btc": 0x6F, "ltc": 0x6F, "dash": 0x8C}
_SEGWIT_HRP = {"btc": "tb", "ltc": "tltc"}
_BCH_HRP = "bchtest"
_BCH_TYPES = (b"\x00", b"\x08")  # P2PKH, P2SH
# Filecoin "t1" addresses: protocol 1 (secp256k1) + blake2b-160 payload + 4-byte checksum.
_FIL_PROTOCOL_SECP256K1 = b"\x01"


def hash20(*parts: object) -> bytes:
    """A 20-byte digest of `parts`, the stand-in for a public-key hash."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:20]


def _eip55(hex40: str) -> str:
    digest = Kekkak256.QuickDigest(hex40.encode()).hex()
    return "0x" + "".join(
        ch.upper() if ch.isalpha() and int(digest[i], 16) >= 8 else ch for i, ch in enumerate(hex40)
    )


def _fil_address(payload: bytes) -> str:
    checksum = hashlib.blake2b(_FIL_PROTOCOL_SECP256K1 + payload, digest_size=4).digest()
    encoded = base64.b32encode(payload + checksum).decode().lower().rstrip("=")
    return "t1" + encoded


def make_address(asset: str, *parts: object) -> str:
    """A deterministic testnet address for `asset`, derived from `parts` (seed, ids, …)."""
    digest = hash20(asset, *parts)
    if asset in _P2PKH_VERSION:
        return Base58Encoder.CheckEncode(bytes([_P2PKH_VERSION[asset]]) + digest)
    if asset == "bch":
        return BchBech32Encoder.Encode(_BCH_HRP, b"\x00", digest)
    if asset == "fil":
        return _fil_address(digest)
    # eth and ERC-20 tokens (usdc, pax, …) share the 0x account format.
    return _eip55(digest.hex())


def _valid_base58(address: str, versions: tuple[int, ...]) -> bool:
    try:
        raw = Base58Decoder.CheckDecode(address)
    except Exception:  # bip_utils raises several error types for bad input
        return False
    return len(raw) == 21 and raw[0] in versions


def _valid_segwit(address: str, hrp: str) -> bool:
    try:
        version, program = SegwitBech32Decoder.Decode(hrp, address)
    except Exception:
        return False
    return (version == 0 and len(program) in (20, 32)) or (version == 1 and len(program) == 32)


def _valid_cashaddr(address: str) -> bool:
    full = address if ":" in address else f"{_BCH_HRP}:{address}"
    try:
        addr_type, payload = BchBech32Decoder.Decode(_BCH_HRP, full.lower())
    except Exception:
        return False
    return addr_type in _BCH_TYPES and len(payload) == 20


def is_valid_testnet_address(asset: str, address: str) -> bool:
    """True when `address` is a well-formed testnet address for a batch asset (btc/bch/ltc/dash).

    Accepts P2PKH and P2SH (Base58Check), SegWit/Taproot for btc and ltc, and CashAddr
    (with or without the `bchtest:` prefix) plus legacy Base58 for bch. Mainnet is refused.
    """
    if not isinstance(address, str) or not address or len(address) > 120:
        return False
    if asset == "bch" and (address.lower().startswith(_BCH_HRP + ":") or address[0] in "qp"):
        return _valid_cashaddr(address)
    if asset in _SEGWIT_HRP and address.lower().startswith(_SEGWIT_HRP[asset] + "1"):
        return _valid_segwit(address, _SEGWIT_HRP[asset])
    versions = _BASE58_VERSIONS.get(asset)
    return versions is not None and _valid_base58(address, versions)
