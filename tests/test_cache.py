"""The per-process cache of values built from the database (lms/cache.py)."""

from lms import create_app
from lms.cache import VersionedCache


def counting_builds():
    builds = []

    def build(value):
        def make():
            builds.append(value)
            return value

        return make

    return builds, build


def test_a_value_is_built_once_per_version(app):
    cache, (builds, build) = VersionedCache(max_entries=10), counting_builds()
    assert cache.get("page", 1, build("first")) == "first"
    assert cache.get("page", 1, build("unused")) == "first"
    assert cache.get("page", 2, build("second")) == "second"  # the data changed: built again
    assert builds == ["first", "second"]


def test_the_least_recently_used_key_makes_way(app):
    cache, (builds, build) = VersionedCache(max_entries=2), counting_builds()
    cache.get("a", 1, build("a"))
    cache.get("b", 1, build("b"))
    cache.get("a", 1, build("a again"))  # a is now the most recently used
    cache.get("c", 1, build("c"))  # b goes
    cache.get("a", 1, build("a once more"))
    cache.get("b", 1, build("b again"))
    assert builds == ["a", "b", "c", "b again"]


def test_each_database_keeps_its_own_values(app):
    cache, (builds, build) = VersionedCache(max_entries=10), counting_builds()
    cache.get("page", 1, build("this database"))
    other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with other.app_context():
        assert cache.get("page", 1, build("another database")) == "another database"
    assert cache.get("page", 1, build("unused")) == "this database"
    assert builds == ["this database", "another database"]
