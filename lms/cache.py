"""Values built from the database and kept in this process while they are still current.

Each value is stored with the version of the data it was built from (a content hash, a counter
bumped in the same transaction as every change). The caller reads the current version with the
statement it runs anyway, so a cached value is used only while the database still holds that
version, whichever process changed the data. Values are kept per database (tests run many apps
whose records have the same ids), and each cache keeps at most `max_entries` per database, the
least recently used going first.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from lms.extensions import db

Value = TypeVar("Value")


class VersionedCache(Generic[Value]):
    """Built values by key, each valid for one version of what it was built from."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._by_database: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Hashable, build: Callable[[], Value]) -> Value:
        """The value for `key` built at `version`: the kept one, or `build()` (then kept)."""
        engine = db.engine
        with self._lock:
            entries = self._by_database.get(engine)
            found = entries.get(key) if entries is not None else None
            if found is not None and found[0] == version:
                entries.move_to_end(key)
                return found[1]
        value = build()
        with self._lock:
            entries = self._by_database.setdefault(engine, OrderedDict())
            entries[key] = (version, value)
            entries.move_to_end(key)
            while len(entries) > self.max_entries:
                entries.popitem(last=False)
        return value
