"""Who a head should follow up: behind in a class ending soon (pure rule)."""

from datetime import date

from lms.heads.following import behind, class_medians
from lms.reports.figures import PlaceFact

TODAY = date(2026, 12, 3)


def place(user_id: int, unit_id: int, class_id: int, share: float, complete: bool = False) -> PlaceFact:
    return PlaceFact(user_id * 10 + class_id, user_id, unit_id, class_id, 1, "", share > 0, complete, False, share)


def test_the_median_is_the_whole_class_s():
    places = [place(1, 7, 1, 0.0), place(2, 8, 1, 0.5), place(3, 8, 1, 1.0, complete=True), place(4, 7, 2, 0.2)]
    assert class_medians(places) == {1: 0.5, 2: 0.2}


def test_behind_means_ending_within_14_days_incomplete_and_below_the_class_median():
    places = [
        place(1, 7, 1, 0.0),  # behind
        place(2, 8, 1, 0.4),  # behind, but of another unit
        place(3, 7, 1, 0.6),  # at or above the median: not behind
        place(4, 7, 1, 0.9),
        place(5, 7, 2, 0.0),  # class 2 ends in 15 days: too far off
        place(6, 7, 2, 0.9),
        place(7, 7, 3, 0.0),  # class 3 ended yesterday
        place(8, 7, 3, 0.5),
    ]
    ends_on = {1: date(2026, 12, 17), 2: date(2026, 12, 18), 3: date(2026, 12, 2)}
    found = behind(places, ends_on, TODAY, {7})
    assert [(p.user_id, median) for p, median in found] == [(1, 0.5)]
    assert [p.user_id for p, _ in behind(places, ends_on, TODAY, {7, 8})] == [1, 2]


def test_a_class_without_an_end_date_or_a_complete_place_is_never_behind():
    places = [place(1, 7, 1, 0.0), place(2, 7, 1, 1.0), place(3, 7, 2, 0.1, complete=True), place(4, 7, 2, 0.9)]
    assert behind(places, {1: None, 2: TODAY}, TODAY, {7}) == []


def test_the_classes_ending_first_and_the_least_far_along_come_first():
    places = [place(1, 7, 1, 0.3), place(2, 7, 1, 0.1), place(3, 7, 1, 0.9), place(4, 7, 1, 0.9)]
    places += [place(5, 7, 2, 0.0), place(6, 7, 2, 1.0)]
    ends_on = {1: date(2026, 12, 10), 2: date(2026, 12, 5)}
    assert [p.user_id for p, _ in behind(places, ends_on, TODAY, {7})] == [5, 2, 1]
