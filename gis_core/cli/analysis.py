"""CLI commands for issue 5: route-risk, alerts (add-site, add-rule, check, watch). Thin: parse, call, print."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
from rich.table import Table

from gis_core.analysis import alerts as alerts_mod
from gis_core.analysis import exposure, risk_model, routing
from gis_core.cli.base import Group, err, iso_date, open_db, out, root
from gis_core.errors import UsageError

LEVEL_STYLE = {"low": "green", "moderate": "yellow", "high": "red", "extreme": "bold white on red"}


@root.command("route-risk")
@click.option("--via", help='Towns in order, comma-separated (gazetteer names), e.g. "Bamako,Ségou,Mopti".')
@click.option("--route", "route_file", type=click.Path(dir_okay=False), help="A GeoJSON file holding one LineString (EPSG:4326).")
@click.option("--buffer-km", type=float, default=risk_model.DEFAULT_BUFFER_M / 1000, show_default=True,
              help="Events count within this distance of the route (km).")
@click.option("--days", type=int, default=risk_model.DEFAULT_DAYS, show_default=True, help="Length of the event window, ending at --as-of.")
@click.option("--as-of", callback=iso_date, help="The date the question is asked for (default today): window end, zones and corridors in force.")
@click.option("--segment-km", type=float, default=risk_model.DEFAULT_SEGMENT_M / 1000, show_default=True, help="Segment length (km).")
@click.option("--half-life-days", type=float, default=risk_model.DEFAULT_HALF_LIFE_DAYS, show_default=True,
              help="An event this old counts half.")
@click.option("--format", "fmt", type=click.Choice(["table", "geojson"]), default="table", show_default=True)
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="Write the output to this file instead of stdout.")
def route_risk(via, route_file, buffer_km, days, as_of, segment_km, half_life_days, fmt, out_file):
    """Per-segment risk profile of a route: events, corridors and control zones near it, as of a date.

    Scores, levels (low/moderate/high/extreme) and every formula are in docs/risk-model.md.

    Example:

        conflict-gis route-risk --via "Bamako,Ségou,Mopti" --as-of 2026-04-26

        conflict-gis route-risk --route convoy.geojson --buffer-km 15 --format geojson --out risk.geojson
    """
    if bool(via) == bool(route_file):
        raise UsageError("give exactly one of --via \"Town,Town,...\" or --route FILE.geojson")
    params = risk_model.Params(buffer_m=buffer_km * 1000, segment_m=segment_km * 1000, days=days,
                               half_life_days=half_life_days, as_of=as_of or date.today())
    params.check()
    with open_db() as conn:
        route = routing.route_from_via(conn, via.split(",")) if via else routing.route_from_file(route_file)
        profile = exposure.route_profile(conn, route.line, params, notes=route.notes)
    profile.summary["legs"] = route.legs
    if fmt == "geojson":
        text = json.dumps(profile.to_geojson(), ensure_ascii=False, indent=1)
        if out_file:
            Path(out_file).write_text(text + "\n", encoding="utf-8")
        else:
            sys.stdout.write(text + "\n")
        return
    console = out
    handle = None
    if out_file:
        from rich.console import Console

        handle = open(out_file, "w", encoding="utf-8")
        console = Console(file=handle, width=200)
    try:
        _print_table(console, profile, route)
    finally:
        if handle:
            handle.close()


def _print_table(console, profile: exposure.Profile, route: routing.Route) -> None:
    s = profile.summary
    table = Table(title=f"Route risk as of {s['as_of']} — {s['length_km']:.0f} km, buffer {s['buffer_m'] / 1000:g} km, "
                        f"{s['window_days']} days, half-life {s['half_life_days']:g} d")
    for col in ("#", "km", "score/100 km", "level", "events", "deaths", "top events (distance)", "corridors / zones crossed"):
        table.add_column(col, overflow="fold")
    for seg in profile.segments:
        top = "\n".join(
            f"#{t.event_id} {t.event_date} {t.event_type}{' at ' + t.location if t.location else ''}, "
            f"{t.fatalities} dead, {t.distance_m:,.0f} m" for t in seg.top_events)
        cross = "\n".join(f"{c.kind} {c.what}: {c.name}" + (f" ({c.controllers})" if c.controllers else "")
                          + (f" [{c.status}]" if c.status else "") + (f" — {c.restrictions}" if c.restrictions else "")
                          for c in seg.crossings)
        table.add_row(str(seg.index + 1), f"{seg.start_m / 1000:.0f}–{(seg.start_m + seg.length_m) / 1000:.0f}",
                      f"{seg.score_per_100km:.1f}", f"[{LEVEL_STYLE[seg.level]}]{seg.level}[/]",
                      str(seg.events), str(seg.fatalities), top, cross)
    console.print(table)
    for leg in route.legs:
        console.print(f"leg {leg['from']} → {leg['to']}: {leg['mode']}" + (f", {leg['length_km']} km" if "length_km" in leg else ""))
    for note in s["notes"]:
        console.print(f"[yellow]note:[/] {note}")
    console.print(
        f"Route: [{LEVEL_STYLE[s['level']]}]{s['level'].upper()}[/] — {s['distinct_events']} distinct events, "
        f"{s['fatalities']} fatalities, score {s['score']:.2f} ({s['score_per_100km']:.2f} per 100 km), "
        f"worst segment {s['worst_segment_level']}")
    if s["crossings"]:
        console.print("Crosses: " + "; ".join(f"{c['kind']} {c['what']} {c['name']}" + (f" ({c['controllers']})" if c["controllers"] else "")
                                              for c in s["crossings"]))
    t = s["thresholds_per_100km"]
    console.print(f"[dim]levels by score per 100 km: moderate ≥ {t['moderate']}, high ≥ {t['high']}, extreme ≥ {t['extreme']}; "
                  "blockades and hostile zones set floors (docs/risk-model.md)[/]")


@root.group(name="alerts", cls=Group)
def alerts_group() -> None:
    """Proximity alerts on sites and routes: add sites and rules, check stored events, watch live."""


@alerts_group.command("add-site")
@click.argument("name")
@click.option("--lon", type=float)
@click.option("--lat", type=float)
@click.option("--via", help="A route site: towns joined along the road network, e.g. \"Bamako,Ségou\".")
@click.option("--geojson", "geojson_file", type=click.Path(dir_okay=False), help="A route LineString from a GeoJSON file.")
@click.option("--kind", type=click.Choice(alerts_mod.SITE_KINDS), default="other", show_default=True)
def add_site(name, lon, lat, via, geojson_file, kind):
    """Add (or replace) a site to protect: a point (--lon/--lat) or a route (--via or --geojson).

    Example:

        conflict-gis alerts add-site "Bamako-Sénou airport" --lon -7.9499 --lat 12.5335 --kind airport

        conflict-gis alerts add-site "Convoy RN6" --via "Bamako,Ségou" --kind route
    """
    from shapely import Point

    given = sum(x is not None for x in (lon if lat is not None else None, via, geojson_file))
    if given != 1:
        raise UsageError("give exactly one of --lon/--lat, --via or --geojson")
    with open_db(autocommit=True) as conn:
        if via:
            geom = routing.route_from_via(conn, via.split(",")).line
        elif geojson_file:
            geom = routing.route_from_file(geojson_file).line
        else:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise UsageError(f"--lon/--lat out of range: {lon}, {lat}")
            geom = Point(lon, lat)
        sid = alerts_mod.add_site(conn, name, geom, kind=kind)
    out.print(f"site {sid}: {name} ({kind}, {geom.geom_type})")


@alerts_group.command("add-rule")
@click.argument("name")
@click.option("--site", help="Site name; omit (or --all-sites) for every site.")
@click.option("--all-sites", is_flag=True)
@click.option("--radius-km", type=float, required=True)
@click.option("--event-types", help="Comma-separated ACLED event types (default: all).")
@click.option("--min-fatalities", type=int, default=0, show_default=True)
def add_rule(name, site, all_sites, radius_km, event_types, min_fatalities):
    """Add (or replace) an alert rule: events within a radius of a site (or of every site).

    Example:

        conflict-gis alerts add-rule airport-25km --site "Bamako-Sénou airport" --radius-km 25 --event-types "Battles,Explosions/Remote violence"
    """
    if site and all_sites:
        raise UsageError("give --site or --all-sites, not both")
    types = [t.strip() for t in event_types.split(",") if t.strip()] if event_types else None
    with open_db(autocommit=True) as conn:
        sid = alerts_mod.site_id(conn, site) if site else None
        rid = alerts_mod.add_rule(conn, name, radius_m=radius_km * 1000, site_id=sid, event_types=types,
                                  min_fatalities=min_fatalities)
    out.print(f"rule {rid}: {name}, {radius_km:g} km of {site or 'every site'}")


@alerts_group.command("check")
@click.option("--since", callback=iso_date, required=True, help="Evaluate events dated on or after this date.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(since, fmt):
    """Raise the alerts of stored events since a date; prints only alerts that are new.

    Example:

        conflict-gis alerts check --since 2026-04-01
    """
    with open_db(autocommit=True) as conn:
        new = alerts_mod.check(conn, since=since)
    for a in new:
        if fmt == "json":
            alerts_mod.print_json_line(a)
        else:
            out.print(f"[bold]{a['site']}[/] ({a['rule']}): {a['message']}", highlight=False)
    err.print(f"{len(new)} new alert(s) for events since {since.isoformat()}")


@alerts_group.command("watch")
def watch():
    """Print each new alert as one JSON line as soon as it is raised (LISTEN/NOTIFY); reconnects by itself.

    Example:

        conflict-gis alerts watch | tee alerts.jsonl
    """
    from gis_core import db

    with open_db(autocommit=True):
        pass  # starts the embedded cluster if needed and checks the schema
    url = db.database_url()
    try:
        alerts_mod.watch(url, on_alert=alerts_mod.print_json_line,
                         on_status=lambda s: (sys.stderr.write(s + "\n"), sys.stderr.flush()))
    except KeyboardInterrupt:
        pass
