"""The seven task statuses of PROTOCOL v2: every Queue's ``counts`` carries each of them."""

STATUSES = ("queued", "scheduled", "blocked", "running", "succeeded", "failed", "cancelled")
ZERO_COUNTS = dict.fromkeys(STATUSES, 0)
