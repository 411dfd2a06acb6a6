"""Service messages fitted to where they are shown.

The services phrase a Balance failure once for every caller. Whether "Your input was kept" is
true depends on the caller: the create and edit forms re-render with what was typed; a watch
toggle, a refresh button or an API call had no form to keep. Those callers drop the sentence
(and keep the advice to try again, which is still right).
"""

import re

_KEPT_INPUT = re.compile(r"\s*Your input was kept(?P<again>;? (?:and )?try again)?\.")


def without_kept_input(message: str) -> str:
    """`message` without its "Your input was kept" sentence, for actions that had no input."""
    return _KEPT_INPUT.sub(
        lambda match: " Try again in a moment." if match["again"] else "", message
    ).strip()
