"""The one clock of accounts and sessions, so tests can move time by monkeypatching `now`."""

import time
from datetime import UTC, datetime


def now() -> float:
    """Seconds since the epoch."""
    return time.time()


def utcnow() -> datetime:
    return datetime.fromtimestamp(now(), UTC)
