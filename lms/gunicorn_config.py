"""How a production process runs: `gunicorn -c lms/gunicorn_config.py -b ADDRESS wsgi:app`.

Given as a file path, not `python:lms.gunicorn_config`: importing the `lms` package would load
Flask, SQLAlchemy and the rest in gunicorn's master, before the gevent worker patches the standard
library (gevent warns about it, and sockets made that early would block the whole worker).

One gevent worker per process (Socket.IO keeps each connection in the process that accepted it;
several processes share rooms through the message queue). The systemd unit in deploy/ and the
tests that start real servers use this file, so what is tested is what runs.
"""

worker_class = "gevent"
workers = 1
# How many connections the worker serves at once; gunicorn's default is 1,000, and a live-room
# socket holds its connection for the whole session, so a room of 1,000 left the 1,001st client
# (and every page request after it) waiting in the listen backlog. Each connection costs a file
# descriptor: the systemd unit raises LimitNOFILE above this.
worker_connections = 10_000
# The control socket (gunicorn 25+) is for gunicornc; nothing here uses it, and every process
# would otherwise want the same socket file.
control_socket_disable = True
# After SIGTERM a process stops accepting, then waits this long for requests in flight. Live-room
# connections do not end by themselves, so they are told to reconnect elsewhere at once; the
# wait is only for ordinary requests.
graceful_timeout = 10


def on_starting(_server) -> None:
    """Let the worker open a descriptor per connection even where no one raised the soft limit
    (a shell's 1,024, `make run`); systemd's LimitNOFILE does it for production."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = worker_connections + 1_000
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def post_worker_init(worker) -> None:
    """On SIGTERM, besides gunicorn's own stop, hand the live room's connections over at once."""
    import signal

    import gevent

    from lms.extensions import socketio
    from lms.live.shutdown import hand_over

    def stop(_signum, _frame) -> None:
        worker.alive = False  # gunicorn's own SIGTERM handling: stop accepting, finish what runs
        gevent.spawn(hand_over, socketio.server)  # not in the signal handler: it writes to the database

    signal.signal(signal.SIGTERM, stop)
    tune_garbage_collector()


# Python's collector, at its defaults, stopped a worker holding a room of 1,000 for up to 255 ms at
# a time (its oldest generation, scanning every object the process ever kept): a chat line's p99
# was 224–355 ms. Objects loaded at start live as long as the process, so they are frozen out of
# every scan, and collections run less often; the room's p99 fell to 44–56 ms
# (docs/performance.md, "Garbage collection pauses").
GC_THRESHOLDS = (10_000, 20, 100)


def tune_garbage_collector() -> None:
    """After the app is loaded: keep what exists out of the collector's scans, and scan less often."""
    import gc

    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
