"""Proximity alerts: trigger + NOTIFY, check --since, dedupe, watch (a real subprocess), reconnect."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from datetime import date

import pytest
from shapely.geometry import LineString, Point

from gis_core.analysis import alerts
from gis_core.crs import GEOD

AIRPORT = (-7.9499, 12.5335)


def add_event(conn, lon, lat, *, day=date(2026, 4, 25), event_type="Battles", sub="Armed clash", fatalities=0, location="Senou"):
    src = conn.execute("INSERT INTO conflict.sources (name, kind) VALUES ('t', 'manual') ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind RETURNING id").fetchone()[0]
    n = conn.execute("SELECT count(*) FROM conflict.events").fetchone()[0]
    return conn.execute(
        "INSERT INTO conflict.events (source_id, source_event_id, event_date, time_precision, event_type, sub_event_type,"
        " longitude, latitude, geo_precision, fatalities, location, actor1) VALUES (%s, %s, %s, 1, %s, %s, %s, %s, 1, %s, %s, 'JNIM')"
        " RETURNING id", (src, f"A{n + 1}", day, event_type, sub, lon, lat, fatalities, location)).fetchone()[0]


def at(bearing, dist_m, origin=AIRPORT):
    lon, lat, _ = GEOD.fwd(origin[0], origin[1], bearing, dist_m)
    return lon, lat


def airport_rule(conn, radius_m=25_000, **kw):
    sid = alerts.add_site(conn, "Bamako-Sénou airport", Point(*AIRPORT), kind="airport")
    alerts.add_rule(conn, "airport", radius_m=radius_m, site_id=sid, **kw)
    return sid


def test_trigger_raises_an_explained_alert(conn):
    airport_rule(conn)
    eid = add_event(conn, *at(45.0, 12_000), fatalities=3)
    row = conn.execute("SELECT event_id, distance_m, bearing_deg, message FROM conflict.alerts").fetchall()
    assert len(row) == 1
    event_id, dist, bearing, message = row[0]
    assert event_id == eid
    assert dist == pytest.approx(12_000, rel=0.005)
    assert bearing == pytest.approx(45.0, abs=0.5)
    assert message.startswith("12 km NE of Bamako-Sénou airport: Battles (Armed clash) at Senou on 2026-04-25, 3 fatalities")
    add_event(conn, *at(200.0, 30_000))                       # outside 25 km: nothing
    assert conn.execute("SELECT count(*) FROM conflict.alerts").fetchone()[0] == 1


def test_rule_filters_types_and_fatalities(conn):
    airport_rule(conn, event_types=["Explosions/Remote violence"], min_fatalities=2)
    add_event(conn, *at(0, 5_000), fatalities=5)                                                       # wrong type
    add_event(conn, *at(0, 5_000), event_type="Explosions/Remote violence", sub="Remote explosive/landmine/IED", fatalities=1)
    add_event(conn, *at(0, 5_000), event_type="Explosions/Remote violence", sub="Remote explosive/landmine/IED", fatalities=2)
    msgs = [r[0] for r in conn.execute("SELECT message FROM conflict.alerts")]
    assert len(msgs) == 1 and "5.0 km N of" in msgs[0]


def test_route_corridor_site(conn):
    a, b = (-8.0, 12.64), (-6.27, 13.43)
    az, _, length = GEOD.inv(*a, *b)
    route = LineString([a, *GEOD.npts(*a, *b, 40), b])          # a road-like polyline, vertices every ~5 km
    sid = alerts.add_site(conn, "Convoy RN6", route, kind="route")
    alerts.add_rule(conn, "convoy 5 km", radius_m=5_000, site_id=sid)
    mlon, mlat, back = GEOD.fwd(*a, az, length / 2)
    heading = (back + 180) % 360
    add_event(conn, *at(heading - 90, 3_000, (mlon, mlat)))
    add_event(conn, *at(heading + 90, 7_000, (mlon, mlat)))
    rows = conn.execute("SELECT distance_m FROM conflict.alerts").fetchall()
    assert len(rows) == 1 and rows[0][0] == pytest.approx(3_000, rel=0.005)


def test_check_since_and_dedupe(cli, conn):
    ids = [add_event(conn, *at(90, 8_000)), add_event(conn, *at(90, 8_000), day=date(2026, 1, 1))]
    res = cli("alerts", "add-site", "Bamako-Sénou airport", "--lon", str(AIRPORT[0]), "--lat", str(AIRPORT[1]), "--kind", "airport")
    assert res.exit_code == 0, res.stderr
    res = cli("alerts", "add-rule", "airport-25km", "--site", "Bamako-Senou airport", "--radius-km", "25")
    assert res.exit_code == 0, res.stderr
    assert conn.execute("SELECT count(*) FROM conflict.alerts").fetchone()[0] == 0   # rules do not look back by themselves
    res = cli("alerts", "check", "--since", "2026-04-01", "--format", "json")
    assert res.exit_code == 0, res.stderr
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [a["event_id"] for a in lines] == [ids[0]] and "8.0 km E of Bamako-Sénou airport" in lines[0]["message"]
    res = cli("alerts", "check", "--since", "2026-04-01")
    assert res.exit_code == 0 and res.stdout.strip() == "" and "0 new alert(s)" in res.stderr
    res = cli("alerts", "check", "--since", "2025-12-01")
    assert "1 new alert(s)" in res.stderr
    assert conn.execute("SELECT count(*) FROM conflict.alerts").fetchone()[0] == 2
    res = cli("alerts", "add-rule", "x", "--site", "Nowhere", "--radius-km", "5")
    assert res.exit_code == 2 and "no site named 'Nowhere'" in res.stderr
    res = cli("alerts", "add-rule", "x", "--radius-km", "-5")
    assert res.exit_code == 2 and "radius" in res.stderr


def _read_line(proc, timeout_s):
    ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
    return proc.stdout.readline() if ready else None


def _wait_status(proc, text, timeout_s=20):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        ready, _, _ = select.select([proc.stderr], [], [], 0.2)
        if ready and text in proc.stderr.readline():
            return True
    return False


def test_watch_prints_new_alerts_within_a_second_and_reconnects(db_url, conn):
    airport_rule(conn)
    env = {**os.environ, "DATABASE_URL": db_url}
    proc = subprocess.Popen([sys.executable, "-u", "-m", "gis_core", "alerts", "watch"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1)
    try:
        assert _wait_status(proc, "listening"), "watch never started listening"
        t0 = time.monotonic()
        eid = add_event(conn, *at(300, 2_500), fatalities=1)
        line = _read_line(proc, 1.0)
        assert line is not None, "no alert line within a second"
        assert time.monotonic() - t0 < 1.0
        alert = json.loads(line)
        assert alert["event_id"] == eid and alert["site"] == "Bamako-Sénou airport"
        assert "2.5 km WNW of Bamako-Sénou airport" in alert["message"]
        # the server drops the watcher's connection (as in a restart): it reconnects, and catches up
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%%' OR (datname = current_database() AND pid <> pg_backend_pid())")
        eid2 = add_event(conn, *at(10, 4_000))
        line = _read_line(proc, 5.0)
        assert line is not None, "no alert after the connection was dropped"
        assert json.loads(line)["event_id"] == eid2
        eid3 = add_event(conn, *at(20, 4_000))
        assert json.loads(_read_line(proc, 2.0))["event_id"] == eid3
        # an UPDATE that does not create a new (rule, site, event) raises nothing twice
        conn.execute("UPDATE conflict.events SET fatalities = fatalities + 1 WHERE id = %s", (eid3,))
        assert _read_line(proc, 1.0) is None
    finally:
        proc.terminate()
        proc.wait(timeout=10)
