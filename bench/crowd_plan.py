"""What the crowd benchmarks' visitors do: the strokes they draw, when they arrive and how long they pause.

Shared by `bench/crowd.py` (K Chromium sessions) and `bench/server_crowd.py` (K websocket clients
replaying strokes drawn in Chromium), so that both load the app and the floor alike.

Staggered arrivals (the default): the K visitors' first strokes are spread over
ARRIVAL_SPREAD_SECONDS, about one stroke's cycle, in a seeded random order, and each pause between
strokes is drawn from THINK_SECONDS × [0.5, 1.5). Both servers get the very same schedule.
Lockstep: every visitor lifts its pen at the same instant and pauses exactly THINK_SECONDS, a burst,
the worst case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

ROUNDS = 2  # Rounds of floor then app, so that load from elsewhere on the machine hits both alike.
STROKES_PER_SESSION = 8
THINK_SECONDS = 0.4  # A visitor's pause between strokes (on average, when arrivals are staggered).
ARRIVAL_SPREAD_SECONDS = 2.0
SCHEDULE_SEED = 20261129

# Short strokes in different places, so every one adds ink (the floor's echo changes) and changes
# the app's 28×28 input picture.
STROKES = [
    [(0.30, 0.20), (0.70, 0.20)],
    [(0.50, 0.20), (0.50, 0.80)],
    [(0.30, 0.80), (0.70, 0.80)],
    [(0.25, 0.35), (0.40, 0.65)],
    [(0.75, 0.35), (0.60, 0.65)],
    [(0.20, 0.50), (0.35, 0.50)],
    [(0.65, 0.50), (0.80, 0.50)],
    [(0.40, 0.30), (0.60, 0.40)],
]


@dataclass(frozen=True)
class Schedule:
    """When one visitor starts, and its pauses between strokes."""

    start_seconds: float
    think_seconds: list[float]


def schedules(sessions: int, strokes: int, lockstep: bool, round_index: int) -> list[Schedule]:
    """Each session's schedule: the same for the floor and the app in a round (seeded by K and the round)."""
    if lockstep:
        return [Schedule(0.0, [THINK_SECONDS] * strokes) for _ in range(sessions)]
    rng = random.Random(SCHEDULE_SEED + 1000 * sessions + round_index)
    slots = list(range(sessions))
    rng.shuffle(slots)
    return [
        Schedule((slot + rng.random()) * ARRIVAL_SPREAD_SECONDS / sessions, [THINK_SECONDS * rng.uniform(0.5, 1.5) for _ in range(strokes)])
        for slot in slots
    ]


def percentile(values: list[float], fraction: float) -> float:
    """The value at `fraction` (0.95: p95) of the sorted values, nearest rank; NaN for none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else float("nan")
