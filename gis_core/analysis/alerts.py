"""Proximity alerts: sites, rules, a batch check on stored events and a live watch (LISTEN/NOTIFY).

Two paths find the same alerts (rule, site, event; distance in metres on the WGS 84 ellipsoid, bearing from
the site, message):

- live: the statement-level trigger on conflict.events runs ``conflict.match_alerts`` (migration 0030, all in
  SQL: one probe of the geography index per event, ST_DWithin, ST_Distance and ST_Azimuth), inserts the new
  alerts and NOTIFYs channel ``conflict_alerts`` with each as JSON; one event costs about a millisecond.
- batch: ``match(conn, event_ids)`` (used by ``check(conn, since=...)``, ``conflict-gis alerts check``) asks SQL
  only for candidates (``sql/queries/alerts/candidates.sql``: each event's box probes an SP-GiST index of the
  point sites, migration 0031) and computes the distance and the bearing of each candidate together, with one
  vectorised geodesic inverse (pyproj ``Geod.inv``), where SQL needs two inverse problems per pair plus the
  exact ST_DWithin. A point site is kept when its geodesic distance is at most ``radius_m``, which is
  ST_DWithin's test on the spheroid. Routes and areas, and events whose box crosses the antimeridian, are
  computed by SQL exactly as the live path does. The message's event part comes from SQL (once per event,
  ``conflict.alert_event_text``); the place part ("12 km NE of ...") is built here with the rounding and the
  compass sectors of ``conflict.alert_place_text``.

Both paths agree to ~1e-8 m and ~1e-10 degree (the same GeographicLib algorithm; tested), so a message can
only differ for a distance or a bearing within that much of a rounding or sector edge. The unique key (rule,
site, event) means an alert is raised once, whichever path finds it first.

Example
-------
>>> site = add_site(conn, "Bamako-Sénou airport", Point(-7.9499, 12.5335), kind="airport")  # doctest: +SKIP
>>> add_rule(conn, "airport 25 km", radius_m=25_000, site_id=site)                          # doctest: +SKIP
>>> [a["message"] for a in check(conn, since=date(2026, 4, 1))]                             # doctest: +SKIP
>>> m = match(conn, [1234]); m.distance_m, m.message                                       # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import select
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from gis_core import queries
from gis_core.analysis.exposure import _numpy_cursor, _pg_int_array
from gis_core.crs import GEOD
from gis_core.errors import UsageError

CHANNEL = "conflict_alerts"
COMPASS_POINTS = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
CHECK_CHUNK_EVENTS = 20_000      # check() matches and records the events of a long period this many at a time
SITE_KINDS = ("airport", "bridge", "government", "media", "diplomatic", "military", "logistics", "office", "route", "other")


def add_site(conn: psycopg.Connection, name: str, geom: BaseGeometry, *, kind: str = "other", notes: str | None = None) -> int:
    """Add (or replace) a site to protect: a point, a route LineString, or a polygon in EPSG:4326."""
    if kind not in SITE_KINDS:
        raise UsageError(f"site kind {kind!r} is not one of {', '.join(SITE_KINDS)}")
    if geom.geom_type not in ("Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon") or not geom.is_valid:
        raise UsageError(f"a site must be a valid Point, LineString or Polygon; got {geom.geom_type}")
    src = conn.execute(queries.get("alerts/manual_source")).fetchone()[0]
    row = conn.execute(queries.get("alerts/add_site"),
                       {"name": name, "kind": kind, "wkb": shapely.to_wkb(geom), "source_id": src, "notes": notes}).fetchone()
    return int(row[0])


def site_id(conn: psycopg.Connection, name: str) -> int:
    row = conn.execute(queries.get("alerts/site_id"), {"name": name}).fetchone()
    if row is None:
        raise UsageError(f"no site named {name!r}. Add it first with 'conflict-gis alerts add-site'.")
    return int(row[0])


def add_rule(conn: psycopg.Connection, name: str, *, radius_m: float, site_id: int | None = None,
             event_types: list[str] | None = None, min_fatalities: int = 0) -> int:
    """Add (or replace) a rule: events within ``radius_m`` metres of the site (every site when None)."""
    if not radius_m > 0 or radius_m > 500_000:
        raise UsageError(f"the radius must be between 0 and 500 km; got {radius_m / 1000:g} km")
    if min_fatalities < 0:
        raise UsageError(f"the minimum fatalities must be 0 or more; got {min_fatalities}")
    if event_types:
        known = {r[0] for r in conn.execute(queries.get("alerts/known_event_types"))}
        bad = [t for t in event_types if t not in known]
        if bad:
            raise UsageError(f"unknown event type(s) {', '.join(map(repr, bad))}; expected ACLED types: {', '.join(sorted(known))}")
    row = conn.execute(queries.get("alerts/add_rule"),
                       {"name": name, "site_id": site_id, "radius_m": radius_m,
                        "event_types": event_types or None, "min_fatalities": min_fatalities}).fetchone()
    return int(row[0])


@dataclass(frozen=True)
class Matches:
    """Alerts found for some events, one entry per (rule, site, event), as parallel columns.

    ``distance_m``: geodesic distance in metres on the WGS 84 ellipsoid from the site (its nearest point, for a
    route or an area) to the event. ``bearing_deg``: from the site to the event, degrees clockwise from true
    north in [0, 360); NaN when the event is within 1 m of the site. ``message``: "12 km NE of <site>: <event>".
    """

    rule_id: np.ndarray
    site_id: np.ndarray
    event_id: np.ndarray
    distance_m: np.ndarray
    bearing_deg: np.ndarray
    message: list[str]

    def __len__(self) -> int:
        return len(self.event_id)

    def rows(self) -> list[tuple[int, int, int, float, float | None, str]]:
        """(rule_id, site_id, event_id, distance_m, bearing_deg or None, message) tuples."""
        return [(r, s, e, d, None if math.isnan(b) else b, m) for r, s, e, d, b, m in
                zip(self.rule_id.tolist(), self.site_id.tolist(), self.event_id.tolist(), self.distance_m.tolist(),
                    self.bearing_deg.tolist(), self.message)]


def distance_text(distance_m: float) -> str:
    """"850 m", "8.5 km", "12 km": SQL ``conflict.distance_text`` (metres below 1 km, one decimal below 10 km).

    The roundings are SQL's: round() of a float8 is rint (half to even, as Python's round), to_char's one
    decimal is printf's "%.1f" (correctly rounded, as Python's format).
    """
    if distance_m < 1000:
        return f"{round(distance_m)} m"
    if distance_m < 10000:
        return f"{distance_m / 1000.0:.1f} km"
    return f"{round(distance_m / 1000.0)} km"


def compass_sector(bearing_deg: float) -> int:
    """The index in COMPASS_POINTS of a bearing: SQL ``conflict.compass_point``, the same on every edge.

    float8 arithmetic, except within 1e-9 of a sector edge, where SQL uses numeric from the float's 15
    significant digits (its float8 to numeric cast); so does this.
    """
    q = (bearing_deg + 11.25) / 22.5
    if abs(q - round(q)) > 1e-9:
        return math.floor(q) % 16
    return int(((Decimal(format(bearing_deg + 11.25, ".15g")) % 360) / Decimal("22.5")).to_integral_value("ROUND_FLOOR"))


def place_text(distance_m: float, bearing_deg: float | None, site: str) -> str:
    """"12 km NE of Bamako-Sénou airport", or "at <site>" within 1 m: SQL ``conflict.alert_place_text``."""
    if distance_m < 1 or bearing_deg is None or math.isnan(bearing_deg):
        return f"at {site}"
    return f"{distance_text(distance_m)} {COMPASS_POINTS[compass_sector(bearing_deg)]} of {site}"


def _messages(distance_m: np.ndarray, bearing_deg: np.ndarray, sites: list[str], events: list[str]) -> list[str]:
    """place_text(...) + ": " + event text, for many pairs: the common cases vectorised, the rest scalar."""
    n = len(distance_m)
    if n == 0:
        return []
    with np.errstate(invalid="ignore"):
        q = (bearing_deg + 11.25) / 22.5
        sector = np.nan_to_num(np.floor(q) % 16).astype(np.int64)      # NaN (at the site): any, unused
        exact = np.flatnonzero(~(np.abs(q - np.rint(q)) > 1e-9) & ~np.isnan(q))   # within 1e-9 of an edge
    for i in exact.tolist():
        sector[i] = compass_sector(float(bearing_deg[i]))
    points = np.array(COMPASS_POINTS, dtype=object)[sector].tolist()
    dist_txt = np.empty(n, dtype=object)
    km = np.rint(distance_m / 1000.0)                        # >= 10 km: whole kilometres, SQL's round()
    in_table = (distance_m >= 10000) & (km <= 1000)           # radius_m is at most 500 km
    whole, rest = np.flatnonzero(in_table), np.flatnonzero(~in_table)
    if len(whole):
        k = km[whole].astype(np.int64)
        dist_txt[whole] = np.array([f"{i} km" for i in range(int(k.max()) + 1)], dtype=object)[k]
    if len(rest):
        dist_txt[rest] = [distance_text(d) for d in distance_m[rest].tolist()]
    out = [f"{d} {p} of {s}: {e}" for d, p, s, e in zip(dist_txt.tolist(), points, sites, events)]
    for i in np.flatnonzero((distance_m < 1) | np.isnan(bearing_deg)).tolist():
        out[i] = f"at {sites[i]}: {events[i]}"
    return out


def match(conn: psycopg.Connection, event_ids: Sequence[int] | np.ndarray) -> Matches:
    """The alerts the given events raise (every active rule, every site it covers), computed, not recorded.

    One query returns the candidates (see the module docstring); point sites get their distance and bearing
    here, from one geodesic inverse problem per candidate, and are kept within the rule's ``radius_m``.
    """
    ids = np.unique(np.asarray(event_ids, dtype=np.int64))
    if len(ids) == 0:
        return _empty()
    cur = _numpy_cursor(conn)
    cur.execute(queries.get("alerts/candidates"), {"event_ids": _pg_int_array(ids)})
    (ev_ids, ev_lons, ev_lats, ev_texts, far_ids,
     p_rule, p_site, p_event, p_radius, p_site_lon, p_site_lat, p_names,
     q_rule, q_site, q_event, q_dist, q_bearing, q_names) = cur.fetchone()
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]] = []
    if p_rule is not None:
        k = np.searchsorted(ev_ids, p_event)                 # ev_ids is sorted
        az, _, dist = GEOD.inv(p_site_lon, p_site_lat, ev_lons[k], ev_lats[k])
        keep = np.flatnonzero(dist <= p_radius)
        dist = dist[keep]
        bearing = np.mod(az[keep], 360.0)
        bearing[bearing >= 360.0] = 0.0                    # -1e-17 % 360 rounds to 360
        bearing[dist < 1] = np.nan
        parts.append((p_rule[keep], p_site[keep], p_event[keep], dist, bearing, [p_names[i] for i in keep.tolist()]))
    if q_rule is not None:
        parts.append((q_rule, q_site, q_event, q_dist, q_bearing, q_names))
    messages: list[str] = []
    for rule, site, event, dist, bearing, names in parts:
        events = [ev_texts[i] for i in np.searchsorted(ev_ids, event).tolist()]    # ev_ids is sorted
        messages.extend(_messages(dist, bearing, names, events))
    if len(far_ids):                                       # boxes across the antimeridian: the geography path
        rows = conn.execute(queries.get("alerts/match_sql"), {"event_ids": _pg_int_array(np.asarray(far_ids))}).fetchall()
        if rows:
            r, s, e, d, b, m = zip(*rows)
            parts.append((np.array(r, np.int64), np.array(s, np.int64), np.array(e, np.int64), np.array(d, float),
                          np.array([np.nan if x is None else x for x in b], float), list(m)))
            messages.extend(m)
    if not parts:
        return _empty()
    rule_id, site_id, event_id, distance_m, bearing_deg = (np.concatenate([p[k] for p in parts]) for k in range(5))
    order = np.lexsort((site_id, rule_id, event_id))
    return Matches(rule_id[order], site_id[order], event_id[order], distance_m[order], bearing_deg[order],
                   [messages[i] for i in order.tolist()])


def _empty() -> Matches:
    z = np.zeros(0, np.int64)
    return Matches(z, z, z, np.zeros(0), np.zeros(0), [])


def record(conn: psycopg.Connection, matches: Matches) -> list[int]:
    """Insert the alerts not raised yet (unique rule, site, event: others are skipped); their new ids, in order."""
    if len(matches) == 0:
        return []
    rows = conn.execute(queries.get("alerts/record"), {
        "rule_ids": matches.rule_id.tolist(), "site_ids": matches.site_id.tolist(),
        "event_ids": matches.event_id.tolist(), "distances_m": matches.distance_m.tolist(),
        "bearings_deg": matches.bearing_deg.tolist(), "messages": matches.message}).fetchall()
    return [r[0] for r in rows]


def check(conn: psycopg.Connection, *, since: date) -> list[dict]:
    """Raise the alerts of events dated on or after ``since``; returns only the alerts new this time.

    The events are matched (``match``) and recorded (``record``) CHECK_CHUNK_EVENTS at a time, in one
    transaction.
    """
    new_ids: list[int] = []
    with conn.transaction():
        ids = np.array([r[0] for r in conn.execute(queries.get("alerts/event_ids_since"), {"since": since})], np.int64)
        for start in range(0, len(ids), CHECK_CHUNK_EVENTS):
            new_ids.extend(record(conn, match(conn, ids[start:start + CHECK_CHUNK_EVENTS])))
    if not new_ids:
        return []
    return [json.loads(r[1]) for r in conn.execute(queries.get("alerts/alert_json"), {"ids": new_ids})]


def watch(url: str, *, on_alert: Callable[[dict], None], on_status: Callable[[str], None] = lambda s: None,
          stop: Callable[[], bool] = lambda: False, retry_s: float = 0.5) -> None:
    """Call ``on_alert`` for each new alert, as it is raised; reconnect (and catch up) after a lost connection.

    Alerts are printed once: the last alert id seen is kept, and after a reconnect the alerts raised
    while disconnected are delivered first, oldest first.
    """
    last_id: int | None = None
    while not stop():
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                if last_id is None:
                    last_id = conn.execute(queries.get("alerts/last_alert_id")).fetchone()[0]
                else:  # catch up on what was raised while we were away
                    for aid, payload in conn.execute(queries.get("alerts/alerts_after"), {"after_id": last_id}).fetchall():
                        on_alert(json.loads(payload))
                        last_id = aid
                on_status(f"listening on {CHANNEL} (after alert {last_id})")
                for note in _notifies(conn, stop):
                    alert = json.loads(note.payload)
                    if alert["alert_id"] <= last_id:
                        continue
                    last_id = alert["alert_id"]
                    on_alert(alert)
        except psycopg.OperationalError as exc:
            on_status(f"connection lost ({str(exc).strip().splitlines()[0] if str(exc).strip() else 'closed'}); reconnecting")
            time.sleep(retry_s)


def _notifies(conn: psycopg.Connection, stop: Callable[[], bool]) -> Iterator[psycopg.Notify]:
    """Notifications as they arrive; a dead connection raises OperationalError promptly."""
    fd = conn.fileno()
    while not stop():
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            conn.execute("SELECT 1")  # a heartbeat: notices a restarted server within a second
            continue
        conn.pgconn.consume_input()
        if conn.pgconn.status != psycopg.pq.ConnStatus.OK:
            raise psycopg.OperationalError("the server closed the connection")
        while True:
            n = conn.pgconn.notifies()
            if n is None:
                break
            yield psycopg.Notify(n.relname.decode(), n.extra.decode(), n.be_pid)


def print_json_line(alert: dict) -> None:
    sys.stdout.write(json.dumps(alert, ensure_ascii=False) + "\n")
    sys.stdout.flush()
