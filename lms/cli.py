"""Small helpers shared by the `flask` commands of every domain."""

from __future__ import annotations

import sys

import click


def progressbar(length: int, label: str):
    """A progress bar on stderr, so stdout keeps only the command's results."""
    return click.progressbar(length=length, label=label, file=sys.stderr)
