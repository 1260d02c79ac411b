"""The live room's fixtures, for the tests of what the room reports."""

from tests.live.conftest import live  # noqa: F401 - a fixture used by name
