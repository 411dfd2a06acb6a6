"""Read-only endpoints: external accounts, transaction fees, stats, transactions."""

from collections.abc import Callable

from .catalog import FEE_PRESETS, fee_table
from .http import Request, Response, Route, bad_request, not_found, query_int
from .models import Transaction
from .pagination import envelope, paginate
from .render import amount, external_account_struct, transaction_struct
from .state import SandboxState

TRANSACTION_STATUSES = (
    "pending_approval",
    "approved",
    "pending_generation",
    "completed",
    "canceled",
    "failed",
    "inactive",  # what FIL reward withdrawals start as (seed 001)
)


def list_external_accounts(state: SandboxState, request: Request) -> Response:
    """GET /api/v1/external_accounts — cursor pages, id descending."""
    with state.lock:
        ids, page_info = paginate(state.external_account_ids, request.query)
        records = [(i, external_account_struct(state.external_accounts[i])) for i in ids]
    return Response(200, envelope(page_info, records))


def get_external_account(state: SandboxState, request: Request, account_id: str) -> Response:
    """GET /api/v1/external_accounts/:id."""
    with state.lock:
        account = state.external_accounts.get(int(account_id))
        if account is None:
            raise not_found("External account not found")
        return Response(200, external_account_struct(account))


def transaction_fees(state: SandboxState, request: Request) -> Response:
    """GET /api/v1/transaction_fees — public: slow/medium/fast per asset."""
    return Response(200, {asset: fee_table(asset) for asset in FEE_PRESETS})


def transaction_fee(state: SandboxState, request: Request, currency: str) -> Response:
    """GET /api/v1/transaction_fees/:currency — public; 404 for an asset we do not know."""
    if currency not in FEE_PRESETS:
        raise not_found(f"Currency {currency} not found")
    return Response(200, fee_table(currency))


def stats(state: SandboxState, request: Request) -> Response:
    """GET /api/v1/stats — totals per asset, warm vs offline (cold) wallets."""
    warm: dict[str, int] = {}
    offline: dict[str, int] = {}
    with state.lock:
        for wallet in state.wallets.values():
            bucket = offline if wallet.kind == "cold" else warm
            for asset, units in wallet.balances.items():
                bucket[asset] = bucket.get(asset, 0) + units
    totals = {
        asset: {
            "offline": amount(asset, offline.get(asset, 0)),
            "unit": asset,
            "warm": amount(asset, warm.get(asset, 0)),
        }
        for asset in sorted(set(warm) | set(offline))
    }
    return Response(200, {"total_assets_in_custody": totals})


def _transaction_filter(query: dict[str, str]) -> Callable[[Transaction], bool] | None:
    """A predicate for status/type/completed_since/created_since/regulatory_status."""
    status = query.get("status")
    if status is not None and status not in TRANSACTION_STATUSES:
        raise bad_request(f"status must be one of: {', '.join(TRANSACTION_STATUSES[:-1])}")
    kind = query.get("type")
    if kind is not None and kind not in ("internal", "external"):
        raise bad_request("type must be one of: internal, external")
    regulatory = query.get("regulatory_status")
    if regulatory is not None and regulatory not in ("pending", "completed"):
        raise bad_request("regulatory_status must be one of: pending, completed")
    completed_since = query_int(
        query, "completed_since", "completed_since must be a UNIX timestamp in seconds"
    )
    created_since = query_int(
        query, "created_since", "created_since must be a UNIX timestamp in seconds"
    )
    if all(v is None for v in (status, kind, regulatory, completed_since, created_since)):
        return None

    def keep(tx: Transaction) -> bool:
        # Sandbox transactions never miss Travel Rule data: "pending" matches nothing.
        return (
            (status is None or tx.status == status)
            and (kind is None or tx.kind == kind)
            and (regulatory != "pending")
            and (created_since is None or tx.created_at >= created_since)
            and (
                completed_since is None
                or (tx.status == "completed" and (tx.completed_at or 0) >= completed_since)
            )
        )

    return keep


def list_transactions(state: SandboxState, request: Request) -> Response:
    """GET /api/v1/transactions — cursor pages of internal and external transactions."""
    query = request.query
    keep = _transaction_filter(query)
    with state.lock:
        state.sync()
        txs = state.transactions
        ids, page_info = paginate(
            state.transaction_ids, query, (lambda i: keep(txs[i])) if keep else None
        )
        records = [(i, transaction_struct(txs[i], state)) for i in ids]
    return Response(200, envelope(page_info, records))


def get_transaction(state: SandboxState, request: Request, transaction_id: str) -> Response:
    """GET /api/v1/transactions/:id — by internal id or external hash."""
    with state.lock:
        state.sync()
        tx = state.find_transaction(transaction_id)
        if tx is None:
            raise not_found("Transaction not found")
        return Response(200, transaction_struct(tx, state, detail=True))


def list_wallet_transactions(state: SandboxState, request: Request, wallet_id: str) -> Response:
    """GET /api/v1/wallets/:id/transactions — a bare array, newest first (the documented
    example); cursor pages like /transactions under the `paginate_wallet_transactions` option
    (whether Balance paginates this list is not documented)."""
    query = request.query
    keep = _transaction_filter(query)
    with state.lock:
        state.sync()
        wallet = state.wallet(wallet_id)
        txs = state.transactions
        ids = state.wallet_transactions.get(wallet.id, [])  # ascending: ids only grow
        if state.controls.paginate_wallet_transactions:
            page, page_info = paginate(ids, query, (lambda i: keep(txs[i])) if keep else None)
            records = [(i, transaction_struct(txs[i], state, wallet_id=wallet.id)) for i in page]
            return Response(200, envelope(page_info, records))
        return Response(
            200,
            [
                transaction_struct(txs[i], state, wallet_id=wallet.id)
                for i in reversed(ids)
                if not keep or keep(txs[i])
            ],
        )


def get_wallet_transaction(
    state: SandboxState, request: Request, wallet_id: str, transaction_id: str
) -> Response:
    """GET /api/v1/wallets/:id/transactions/:transaction_id — id or hash, this wallet's only."""
    with state.lock:
        state.sync()
        wallet = state.wallet(wallet_id)
        tx = state.find_transaction(transaction_id)
        if tx is None or wallet.id not in tx.wallet_ids():
            raise not_found("Transaction not found")
        return Response(200, transaction_struct(tx, state, detail=True, wallet_id=wallet.id))


ROUTES = [
    Route("GET", r"/api/v1/external_accounts", list_external_accounts),
    Route("GET", r"/api/v1/external_accounts/(?P<account_id>\d+)", get_external_account),
    Route("GET", r"/api/v1/transaction_fees", transaction_fees, public=True),
    Route("GET", r"/api/v1/transaction_fees/(?P<currency>[^/]+)", transaction_fee, public=True),
    Route("GET", r"/api/v1/stats", stats),
    Route("GET", r"/api/v1/transactions", list_transactions),
    Route("GET", r"/api/v1/transactions/(?P<transaction_id>[^/]+)", get_transaction),
    Route("GET", r"/api/v1/wallets/(?P<wallet_id>\d+)/transactions", list_wallet_transactions),
    Route(
        "GET",
        r"/api/v1/wallets/(?P<wallet_id>\d+)/transactions/(?P<transaction_id>[^/]+)",
        get_wallet_transaction,
    ),
]
