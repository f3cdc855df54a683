"""How python-telegram-bot is set up here, the same for the channel and the campaign sender."""

import os
from datetime import timedelta

from telegram.error import RetryAfter


def use_timedelta_periods() -> None:
    """Opt in to PTB 23's time periods (timedelta): the deprecated int form warns on each 429."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")


def retry_after_seconds(error: RetryAfter) -> float:
    """Return how long Telegram asked to wait, in seconds, whichever form PTB gives it in."""
    wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
