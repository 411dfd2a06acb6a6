"""The sandbox adds a `destinations` array to batch transactions; Balance's documentation
does not have it (balance/sandbox/README.md), so no portal code may read it from a
transaction.

The check parses the portal's own Python source (everything outside `balance/sandbox/`,
`tests/` and the virtualenv). A read of a "destinations" key — `x["destinations"]`,
`x.get/pop/setdefault("destinations")`, `"destinations" in x` — is reported when it is
plausibly a read of a Balance transaction:

- `x` names a transaction (`tx`, `txs`, `balance_tx`, `transaction`, `last_transaction`…), or
- it happens in a function that fetches transactions from the client (`get_transaction`,
  `list_transactions`, `iter_transaction_pages`, the wallet-scoped three, `send_batch_now`).

Other "destinations" keys stay allowed: a send_batch_now request body is built with one (a
write), and the payout form's errors use `errors["destinations"]`.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = ("tests", ".venv", "node_modules", "static", "balance/sandbox")
READ_METHODS = {"get", "pop", "setdefault"}
CLIENT_TRANSACTION_METHODS = {
    "get_transaction",
    "list_transactions",
    "iter_transaction_pages",
    "get_wallet_transaction",
    "list_wallet_transactions",
    "iter_wallet_transaction_pages",
    "send_batch_now",
}
TRANSACTION_NAME = re.compile(r"(^|_)(tx|txs|transaction|transactions)(_|$)", re.IGNORECASE)


def _portal_sources() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if not any(relative == s or relative.startswith(s + "/") for s in SKIPPED):
            files.append(path)
    return files


def _is_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == "destinations"


def _names_a_transaction(expr: ast.AST) -> bool:
    """`expr` mentions a transaction: a name/attribute like `tx`, or a key like "transaction"."""
    for node in ast.walk(expr):
        text = (
            node.id
            if isinstance(node, ast.Name)
            else node.attr
            if isinstance(node, ast.Attribute)
            else node.value
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            else ""
        )
        if TRANSACTION_NAME.search(text):
            return True
    return False


def _reads(tree: ast.AST) -> list[tuple[int, ast.AST]]:
    """(line, the mapping read from) for every read of a "destinations" key under `tree`."""
    found: list[tuple[int, ast.AST]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if _is_key(node.slice):
                found.append((node.lineno, node.value))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in READ_METHODS and node.args and _is_key(node.args[0]):
                found.append((node.lineno, node.func.value))
        elif (
            isinstance(node, ast.Compare)
            and _is_key(node.left)
            and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
        ):
            found.append((node.lineno, node.comparators[0]))
    return found


def _fetches_transactions(function: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CLIENT_TRANSACTION_METHODS
        for node in ast.walk(function)
    )


def transaction_destination_reads(source: str) -> list[int]:
    """Line numbers where `source` reads "destinations" from what is plausibly a transaction."""
    tree = ast.parse(source)
    lines = {line for line, mapping in _reads(tree) if _names_a_transaction(mapping)}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and (
            _fetches_transactions(function)
        ):
            lines.update(line for line, _ in _reads(function))
    return sorted(lines)


def test_the_detector_finds_transaction_reads_and_leaves_other_keys_alone():
    sample = """\
a = tx["destinations"]
b = balance_tx.get("destinations", [])
if "destinations" in transaction:
    pass
c = payload["transaction"].pop("destinations")
body = {"destinations": []}
body["destinations"] = []
errors["destinations"].setdefault(0, [])
ctx["destinations"]


def reconcile(client, wallet_id):
    for record in client.list_wallet_transactions(wallet_id):
        lines = record["destinations"]


def validate(errors):
    return errors.get("destinations")
"""
    assert transaction_destination_reads(sample) == [1, 2, 3, 5, 14]


def test_no_portal_code_reads_the_sandbox_only_destinations_array():
    sources = _portal_sources()
    assert any(p.as_posix().endswith("balance/client/transactions.py") for p in sources)
    assert not any("/balance/sandbox/" in p.as_posix() for p in sources)
    found = {
        str(path.relative_to(ROOT)): lines
        for path in sources
        if (lines := transaction_destination_reads(path.read_text()))
    }
    assert found == {}, f"portal code reads the sandbox-only `destinations` array: {found}"
