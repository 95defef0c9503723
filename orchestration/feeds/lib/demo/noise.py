"""Deterministic noise for the demo feeds: the same key and day give the same number, always.

Draws come from NumPy's legacy `RandomState`, whose streams NumPy keeps stable across
releases, seeded from a SHA-256 of the key and the year. A day's draw depends only on its
key and date, never on which range was requested, so any partition can be regenerated
alone and match a full-history run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache

import numpy as np


def _seed(key: str, year: int) -> int:
    digest = hashlib.sha256(f"compute-weekly-demo:{key}:{year}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


@lru_cache(maxsize=4096)
def _year_of_normals(key: str, year: int) -> np.ndarray:
    return np.random.RandomState(_seed(key, year)).standard_normal(366)


def normal(key: str, day: dt.date) -> float:
    """A standard normal draw for (key, day)."""
    return float(_year_of_normals(key, day.year)[day.timetuple().tm_yday - 1])


def normals(key: str, days: list[dt.date]) -> np.ndarray:
    """Standard normal draws for (key, day) for each day, in order."""
    return np.array([normal(key, day) for day in days], dtype=float)
