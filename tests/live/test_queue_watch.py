"""The rule that decides whether the message queue carries this process's room events."""

from lms.live.queue_watch import SILENCE_SECONDS, Link, carries


def test_a_queue_heard_lately_and_publishing_carries():
    assert carries(Link(heard_at=100.0), now=100.0 + SILENCE_SECONDS)


def test_silence_longer_than_the_limit_means_it_does_not_carry():
    # The process's own probe comes back every second: this long without it, the listener is cut off.
    assert not carries(Link(heard_at=100.0), now=100.0 + SILENCE_SECONDS + 0.01)


def test_a_failed_publish_means_it_does_not_carry_however_recent_the_last_message():
    assert not carries(Link(heard_at=100.0, publish_failed=True), now=100.0)
