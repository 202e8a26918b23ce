"""Durations in words, so that a message a user reads says what the setting says.

"Log-in is paused for 15 minutes" must change when AXES_COOLOFF_TIME does; a message that
repeats the number drifts from it (issue 12, item 10).
"""

import datetime as dt

_UNITS = (("day", 24 * 60 * 60), ("hour", 60 * 60), ("minute", 60), ("second", 1))


def in_words(duration):
    """'15 minutes', '12 hours', '1 hour and 30 minutes', from seconds or a timedelta."""
    if isinstance(duration, dt.timedelta):
        duration = duration.total_seconds()
    remaining = int(duration)
    parts = []
    for name, size in _UNITS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count} {name}" + ("" if count == 1 else "s"))
    return " and ".join(parts) or "0 seconds"
