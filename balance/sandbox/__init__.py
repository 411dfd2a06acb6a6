"""The Balance sandbox: an in-memory, deterministic, stateful simulator of the Balance API.

`make_app(seed, wallets, access_id, secret_key)` (in `app`) builds the WSGI app and
`serve(host, port, app)` (in `server`) runs it; `manage.py runsandbox` does both. Behaviour,
choices made for the API's gaps, and the `/_sandbox/` control surface: `README.md` here.
"""

# The demo credentials `make run` uses (settings defaults); printing them is harmless.
DEFAULT_ACCESS_ID = "sandbox-access-id"
DEFAULT_SECRET_KEY = "sandbox-secret-key-not-for-production"
