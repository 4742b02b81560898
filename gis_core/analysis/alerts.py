"""Proximity alerts: sites, rules, a batch check on stored events and a live watch (LISTEN/NOTIFY).

The matching lives in SQL (``conflict.match_alerts``, migration 0030) and is used by both paths:
the statement-level trigger on conflict.events raises alerts for every inserted or updated event
and NOTIFYs channel ``conflict_alerts`` with the alert as JSON; ``check(conn, since=...)`` runs
the same function on stored events. The unique key (rule, site, event) means an alert is raised
once, whichever path finds it first.

Example
-------
>>> site = add_site(conn, "Bamako-Sénou airport", Point(-7.9499, 12.5335), kind="airport")  # doctest: +SKIP
>>> add_rule(conn, "airport 25 km", radius_m=25_000, site_id=site)                          # doctest: +SKIP
>>> [a["message"] for a in check(conn, since=date(2026, 4, 1))]                             # doctest: +SKIP
"""

from __future__ import annotations

import json
import select
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date

import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from gis_core import queries
from gis_core.errors import UsageError

CHANNEL = "conflict_alerts"
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


def check(conn: psycopg.Connection, *, since: date) -> list[dict]:
    """Raise the alerts of events dated on or after ``since``; returns only the alerts new this time."""
    with conn.transaction():
        ids = [r[0] for r in conn.execute(queries.get("alerts/check_since"), {"since": since})]
    if not ids:
        return []
    return [json.loads(r[1]) for r in conn.execute(queries.get("alerts/alert_json"), {"ids": ids})]


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
