"""Whether the message queue carries this process's live-room events: a process that cannot reach the
other processes says so instead of acknowledging what only its own sockets will hear.

The rule (`carries`): the queue carries while this process's last publish did not fail and it
heard something on its channel within `SILENCE_SECONDS`. Every `PROBE_SECONDS` the process
publishes a probe on its channel, so a quiet room still proves both ways: Redis stopped fails the
publish at once; a subscription that died or hangs (a network cut, Redis restarted while the
listener waits to retry) shows as silence.

When the answer changes, the process's own sockets are told with a local `live_link` event
(`{"up": false}` / `{"up": true}`); while it is false, the room's writing events are refused with
`interrupted` (`lms.live.events`), and a page that comes back joins again and draws the room from
the database, so what it missed meanwhile is there. Pages, sign-ins and reads never wait for the
queue. Only the Redis queue is watched (the documented scale-out); other queues are taken to carry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import socketio

log = logging.getLogger(__name__)

PROBE_SECONDS = 1.0
SILENCE_SECONDS = 3.0
# python-socketio's listener waits 1, 2, 4, … up to 60 s between attempts to subscribe again: a room
# would stay cut off for up to a minute after Redis came back. This one tries at least every 2 s.
RESUBSCRIBE_SECONDS = (0.25, 0.5, 1.0, 2.0)
PROBE_METHOD = "lms_probe"  # a method no process handles: python-socketio's listeners ignore it
LINK_EVENT = "live_link"


@dataclass
class Link:
    """What this process last saw of its queue (monotonic seconds)."""

    heard_at: float  # the last message heard on the channel; the start counts as one
    publish_failed: bool = False


def carries(link: Link, now: float) -> bool:
    """Whether the queue carries this process's events both ways, as far as it can tell at `now`."""
    return not link.publish_failed and now - link.heard_at <= SILENCE_SECONDS


class WatchedRedis(socketio.RedisManager):
    """python-socketio's Redis manager that keeps `carrying` up to date and tells its sockets.

    `namespace` is where the `live_link` event goes (the live room's).
    """

    namespace = "/"

    def __init__(self, *args, **kwargs) -> None:
        # python-socketio calls `initialize()` at the process's first connection only: a process
        # that publishes before (a cut, a cancellation from a page or `flask sessions cancel`)
        # needs the link already.
        self.link = Link(heard_at=time.monotonic())
        self.carrying = True
        super().__init__(*args, **kwargs)

    def initialize(self) -> None:
        self.link = Link(heard_at=time.monotonic(), publish_failed=self.link.publish_failed)
        super().initialize()
        if not self.write_only:
            self.server.start_background_task(self._watch)

    def _publish(self, data) -> None:
        """Publish once more after a failure (as python-socketio does), and remember the outcome."""
        for last_try in (False, True):
            try:
                if not self.connected:
                    self._redis_connect()
                self.redis.publish(self.channel, self.json.dumps(data))
            except Exception as exc:
                self.connected = False
                if last_try:
                    if not self.link.publish_failed:
                        log.error("message queue: cannot publish (%s)", exc)
                    self.link.publish_failed = True
                continue
            self.link.publish_failed = False
            return

    def _listen(self) -> Iterator[bytes]:
        for message in super()._listen():
            self.link.heard_at = time.monotonic()
            yield message

    def _redis_listen_with_retries(self) -> Iterator[dict]:
        failures = 0
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                failures = 0
                yield from self.pubsub.listen()
            except Exception as exc:
                if failures == 0:
                    log.error("message queue: cannot receive (%s)", exc)
                time.sleep(RESUBSCRIBE_SECONDS[min(failures, len(RESUBSCRIBE_SECONDS) - 1)])
                failures += 1

    def _watch(self) -> None:
        while True:
            self._publish({"method": PROBE_METHOD, "host_id": self.host_id})
            self.judge()
            self.server.sleep(PROBE_SECONDS)

    def judge(self) -> None:
        """Decide whether the queue carries now; on a change, log it and tell this process's sockets."""
        now_carrying = carries(self.link, time.monotonic())
        if now_carrying == self.carrying:
            return
        self.carrying = now_carrying
        if now_carrying:
            log.warning("message queue: live updates restored")
        else:
            log.error("message queue: live updates interrupted")
        try:
            self.server.emit(LINK_EVENT, {"up": now_carrying}, namespace=self.namespace, ignore_queue=True)
        except Exception:  # a background task has nobody to answer: log, never raise
            log.exception("telling the room's sockets about the message queue failed")


def queue_carries(server: socketio.Server) -> bool:
    """Whether this process's room events reach the other processes (always, with no queue)."""
    return getattr(server.manager, "carrying", True)


def recheck(server: socketio.Server) -> None:
    """Judge again now (a publish just failed in an event): the sockets hear it with that event."""
    judge = getattr(server.manager, "judge", None)
    if judge is not None and getattr(server.manager, "link", None) is not None:
        judge()
