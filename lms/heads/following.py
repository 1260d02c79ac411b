"""Who a unit head should follow up: the people of their units who are behind in a class ending soon.

A learner-place is behind when its class ends within `WINDOW_DAYS` from today (or today), it is not
complete, and it is less far along than the class's median: the median of every active place of the
class, not only the head's people, so a head whose whole unit lags still sees who lags. Pure: the
places and the classes' end dates are gathered by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from statistics import median

from lms.reports.figures import PlaceFact

WINDOW_DAYS = 14


def class_medians(places: Sequence[PlaceFact]) -> dict[int, float]:
    """The median share (how far along) of each class's places."""
    shares: dict[int, list[float]] = {}
    for place in places:
        shares.setdefault(place.class_id, []).append(place.share)
    return {class_id: median(values) for class_id, values in shares.items()}


def behind(
    places: Sequence[PlaceFact], ends_on: Mapping[int, date | None], today: date, unit_ids: set[int]
) -> list[tuple[PlaceFact, float]]:
    """The places of people in `unit_ids` that are behind, each with its class's median share,
    the classes ending first, then the least far along first."""
    medians = class_medians(places)
    last_day = today + timedelta(days=WINDOW_DAYS)
    found = [
        (place, medians[place.class_id])
        for place in places
        if place.unit_id in unit_ids
        and not place.complete
        and (end := ends_on.get(place.class_id)) is not None
        and today <= end <= last_day
        and place.share < medians[place.class_id]
    ]
    found.sort(key=lambda pair: (ends_on[pair[0].class_id], pair[0].share, pair[0].user_id))
    return found
