"""The zone people here read times in. Stored times are UTC (lms.database.UTCDateTime); pure rules
(schedules, day ranges) use this constant, pages the configured BABEL_DEFAULT_TIMEZONE (the same by
default)."""

from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
