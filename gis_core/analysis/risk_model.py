"""Every parameter of the route-risk model and of the impact areas, in one place.

The formulas are written out in ``docs/risk-model.md``; change a number here, not in the code
that uses it. Distances are metres, durations days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

# --- defaults of the route-risk command -------------------------------------------------------------
DEFAULT_BUFFER_M = 10_000.0
DEFAULT_SEGMENT_M = 10_000.0
DEFAULT_DAYS = 90
DEFAULT_HALF_LIFE_DAYS = 30.0
TOP_EVENTS_PER_SEGMENT = 3

# --- event weight: type weight x fatality factor -------------------------------------------------------
# How much one event of a type says about the danger of using a road near it.
TYPE_WEIGHTS: dict[str, float] = {
    "Battles": 1.0,
    "Explosions/Remote violence": 1.2,   # IEDs and ambushes on roads are the typical road threat
    "Violence against civilians": 1.0,
    "Riots": 0.4,
    "Protests": 0.1,
    "Strategic developments": 0.2,
}
DEFAULT_TYPE_WEIGHT = 0.2


def event_weight(event_type: str, fatalities: int) -> float:
    """type weight x (1 + ln(1 + fatalities)): a 10-death battle weighs 3.4, a bloodless one 1.0."""
    return TYPE_WEIGHTS.get(event_type, DEFAULT_TYPE_WEIGHT) * (1.0 + math.log1p(max(fatalities, 0)))


def decay(age_days: float, half_life_days: float) -> float:
    """0.5 ** (age / half-life): an event exactly one half-life old counts half."""
    return 0.5 ** (max(age_days, 0.0) / half_life_days)


def distance_weight(distance_m: float, uncertainty_m: float, buffer_m: float) -> float:
    """1 on the route, falling linearly to 0.5 at the buffer edge; 0 beyond.

    The distance is first reduced by the event's location uncertainty (it may be that much
    closer than its recorded point), which is how the buffer is "widened" by the uncertainty.
    """
    d_eff = max(distance_m - uncertainty_m, 0.0)
    if d_eff > buffer_m:
        return 0.0
    return 1.0 - 0.5 * d_eff / buffer_m


# --- location uncertainty (the widening) ------------------------------------------------------------------
# ACLED geo_precision: 1 the named town itself, 2 near a town / part of a region, 3 only a large region.
ACLED_UNCERTAINTY_M = {1: 0.0, 2: 10_000.0, 3: 25_000.0}
# UCDP where_prec (kept in events.native): 1 exact, 2 within ~25 km, 3 second-order admin area,
# 4 first-order admin area, 5 along a line between places, 6 country, 7 international waters.
UCDP_UNCERTAINTY_M = {1: 0.0, 2: 25_000.0, 3: 25_000.0, 4: 25_000.0, 5: 25_000.0}
UCDP_UNLOCATED = (6, 7)           # such events locate nothing on a road: never counted
MAX_UNCERTAINTY_M = 25_000.0       # the widening is capped: an admin-area event is not a road event


def uncertainty_m(geo_precision: int, where_prec: int | None) -> float | None:
    """Metres by which an event may lie closer than its point; None when it must not be counted."""
    if where_prec is not None:
        if where_prec in UCDP_UNLOCATED:
            return None
        return min(UCDP_UNCERTAINTY_M.get(where_prec, MAX_UNCERTAINTY_M), MAX_UNCERTAINTY_M)
    return min(ACLED_UNCERTAINTY_M.get(geo_precision, MAX_UNCERTAINTY_M), MAX_UNCERTAINTY_M)


# --- levels ------------------------------------------------------------------------------------------------
LEVELS = ("low", "moderate", "high", "extreme")
# Lower bounds of the score per 100 km for each level above "low".
LEVEL_THRESHOLDS_PER_100KM = {"moderate": 2.0, "high": 10.0, "extreme": 30.0}


def level_for(score_per_100km: float) -> str:
    level = "low"
    for name in LEVELS[1:]:
        if score_per_100km >= LEVEL_THRESHOLDS_PER_100KM[name]:
            level = name
    return level


def level_index(level: str) -> int:
    return LEVELS.index(level)


# Structural floors: what crossing a corridor or a zone does to a segment's level, whatever the events.
CORRIDOR_FLOOR = {"blockade": "high", "closed": "high", "restricted": "moderate"}
HOSTILE_ACTOR_KINDS = ("rebel", "jihadist", "militia")  # actors.kind that make a controlled zone hostile
ZONE_FLOOR = {
    ("control", "full"): "high",
    ("control", "contested"): "high",
    ("control", "influence"): "moderate",
    ("curfew", None): "moderate",
    ("restriction", None): "moderate",
}
# A segment whose structural floor is at least "high" and whose events reach at least "moderate"
# goes one level up: a blockade with recent fighting on it is worse than either alone.
ESCALATE_FROM_FLOOR = "high"
ESCALATE_WITH_EVENTS = "moderate"


# --- impact areas by event type (buffers.event_impact_area) ------------------------------------------------
IMPACT_RADIUS_M: dict[str, float] = {
    "Battles": 5_000.0,
    "Explosions/Remote violence": 2_000.0,
    "Violence against civilians": 3_000.0,
    "Riots": 1_000.0,
    "Protests": 500.0,
    "Strategic developments": 1_000.0,
}
DEFAULT_IMPACT_RADIUS_M = 1_000.0


@dataclass(frozen=True)
class Params:
    """One run's parameters (CLI options map onto these; metres and days)."""

    buffer_m: float = DEFAULT_BUFFER_M
    segment_m: float = DEFAULT_SEGMENT_M
    days: int = DEFAULT_DAYS
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    as_of: date = field(default_factory=date.today)
    top_events: int = TOP_EVENTS_PER_SEGMENT

    def check(self) -> None:
        from gis_core.errors import UsageError

        if not (self.buffer_m > 0):
            raise UsageError(f"the buffer must be a positive distance; got {self.buffer_m / 1000:g} km")
        if self.buffer_m > 200_000:
            raise UsageError(f"the buffer is at most 200 km; got {self.buffer_m / 1000:g} km")
        if not (self.segment_m >= 100):
            raise UsageError(f"the segment length must be at least 0.1 km; got {self.segment_m / 1000:g} km")
        if self.days < 1:
            raise UsageError(f"--days must be at least 1; got {self.days}")
        if not (self.half_life_days > 0):
            raise UsageError(f"the half-life must be positive; got {self.half_life_days} days")
