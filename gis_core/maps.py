"""The situation map: a static PNG drawn from the database with matplotlib (no internet tiles).

Country and regions, main roads (SCHEMATIC where so), the towns targeted on the attack day,
control zones shaded by controller, curfew zones, blockade corridors (axis + area of width_m),
sites, a legend, a title, a scale bar measured geodesically, and a source line.

Everything is drawn in a Lambert conformal conic projection fitted to Mali (standard parallels
12°N and 22°N, scale error under 1 % across the country); the scale bar's length is computed
with the WGS 84 geodesic (pyproj.Geod) at the bar's position, not in degrees.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from gis_core import queries
from gis_core.crs import GEOD, STORAGE_SRID, transformer
from gis_core.errors import UsageError

MAP_PROJ = "+proj=lcc +lat_1=12 +lat_2=22 +lat_0=17 +lon_0=-4 +datum=WGS84 +units=m +no_defs"
TITLE = "Mali : principales villes ciblées par les attaques coordonnées du FLA et du Jnim le 25 avril 2026"
ATTACK_DATE = dt.date(2026, 4, 25)
REFERENCE_TOWNS = ["Kayes", "Ségou", "Sikasso", "Timbuktu", "Ménaka", "Nioro", "Bougouni", "Koutiala", "San", "Tessalit", "Douentza"]
CONTROLLER_COLOURS = {  # by the controllers' string (layers.control_zones style)
    "FLA + JNIM": "#c0392b",
    "FAMa + Wagner": "#2e86c1",
    "Africa Corps + FAMa": "#2e86c1",
    "CSP": "#8e44ad",
}


def _project(geom: BaseGeometry) -> BaseGeometry:
    to_map = transformer(STORAGE_SRID, MAP_PROJ)
    return shapely.transform(geom, lambda xy: np.column_stack(to_map.transform(xy[:, 0], xy[:, 1])))


def _xy(lon: float, lat: float) -> tuple[float, float]:
    return transformer(STORAGE_SRID, MAP_PROJ).transform(lon, lat)


def _draw_polygon(ax, geom: BaseGeometry, **style) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    polygons = getattr(geom, "geoms", [geom])
    for poly in polygons:
        if poly.geom_type != "Polygon":
            continue
        rings = [poly.exterior, *poly.interiors]
        vertices, codes = [], []
        for ring in rings:
            coords = list(ring.coords)
            vertices += coords
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY]
        ax.add_patch(PathPatch(MplPath(vertices, codes), **style))


def _draw_lines(ax, geom: BaseGeometry, **style) -> None:
    for line in getattr(geom, "geoms", [geom]):
        xs, ys = line.xy
        ax.plot(xs, ys, **style)


def _scale_bar(ax, x0: float, y0: float, length_km: int) -> None:
    """A scale bar starting at projected (x0, y0): its end is the point length_km east on the geodesic."""
    to_geo = transformer(MAP_PROJ, STORAGE_SRID)
    lon0, lat0 = to_geo.transform(x0, y0)
    lon1, lat1, _ = GEOD.fwd(lon0, lat0, 90.0, length_km * 1000.0)
    x1, y1 = _xy(lon1, lat1)
    half = (x1 - x0) / 2
    ax.plot([x0, x0 + half], [y0, y0], color="black", linewidth=4, solid_capstyle="butt", zorder=20)
    ax.plot([x0 + half, x1], [y0, y0], color="white", linewidth=4, solid_capstyle="butt", zorder=20)
    for dy in (-7000, 7000):  # outline of the white half
        ax.plot([x0, x1], [y0 + dy, y0 + dy], color="black", linewidth=0.6, zorder=21)
    for x, text in ((x0, "0"), (x0 + half, f"{length_km // 2}"), (x1, f"{length_km} km")):
        ax.plot([x, x], [y0 - 9000, y0 + 9000], color="black", linewidth=0.8, zorder=21)
        ax.text(x, y0 + 22000, text, ha="center", va="bottom", fontsize=7.5, zorder=21)


def render_situation_map(conn: psycopg.Connection, out: str | Path, *, as_of: dt.date | None = None,
                         attack_date: dt.date = ATTACK_DATE, dpi: int = 150) -> Path:
    """Draw the situation map to ``out`` (PNG) from the database.

    Parameters
    ----------
    conn : psycopg.Connection
        A database with the seed (or equivalent layers) loaded.
    out : str or pathlib.Path
        Output PNG path (folders are created).
    as_of : datetime.date, optional
        Date the zones and corridors are shown for (default: today).
    attack_date : datetime.date
        Day whose Battles events mark the targeted towns.
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.patheffects as pe
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    as_of = as_of or dt.date.today()
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise UsageError(f"{out}: the map is written as PNG; give a file name ending in .png")
    areas = conn.execute(queries.get("map/admin_areas")).fetchall()
    if not any(level == 0 for level, *_ in areas):
        raise UsageError("the database has no country boundary: run 'conflict-gis load seed' first")

    used_sources: set[str] = set()
    fig, ax = plt.subplots(figsize=(11, 10.5))
    ax.set_facecolor("#dfe9f0")
    halo = [pe.withStroke(linewidth=2.5, foreground="white")]

    for level, name, wkb, lx, ly, source in areas:
        geom = _project(shapely.from_wkb(wkb))
        used_sources.add(source)
        if level == 0:
            _draw_polygon(ax, geom, facecolor="#f7f1e3", edgecolor="#333333", linewidth=1.4, zorder=1)
            bounds = geom.bounds
        else:
            _draw_polygon(ax, geom, facecolor="none", edgecolor="#8a8a8a", linewidth=0.6, linestyle=(0, (4, 3)), zorder=2)
            x, y = _xy(lx, ly)
            if name != "Bamako":
                ax.text(x, y, name.upper(), fontsize=8, color="#8a8a8a", ha="center", va="center", style="italic", zorder=3)

    schematic = False
    for wkb, ref, highway, is_schematic, source in conn.execute(queries.get("map/roads")):
        geom = _project(shapely.from_wkb(wkb))
        schematic |= bool(is_schematic)
        used_sources.add(source)
        _draw_lines(ax, geom, color="#7b5b3a", linewidth=1.4 if highway == "trunk" else 0.9,
                    linestyle="-" if highway == "trunk" else (0, (5, 2)), zorder=4, solid_capstyle="round")

    corridor_groups: dict[str, str] = {}
    palette = ["#e67e22", "#d4ac0d", "#16a085"]
    for key, name, kind, valid_from, axis_wkb, area_wkb, width_m, source in conn.execute(queries.get("map/corridors"), {"as_of": as_of}):
        group = name.split(" : ")[0] + f" (depuis le {valid_from:%d/%m/%Y})"
        colour = corridor_groups.setdefault(group, palette[len(corridor_groups) % len(palette)])
        used_sources.add(source)
        _draw_polygon(ax, _project(shapely.from_wkb(area_wkb)), facecolor=colour, alpha=0.35, edgecolor="none", zorder=5)
        _draw_lines(ax, _project(shapely.from_wkb(axis_wkb)), color=colour, linewidth=2.2, zorder=6)

    zone_legend: dict[str, Patch] = {}
    for zone_key, name, kind, status, valid_from, valid_to, wkb, cx, cy, controllers, source in conn.execute(queries.get("map/zones"), {"as_of": as_of}):
        geom = _project(shapely.from_wkb(wkb))
        used_sources.add(source)
        if kind == "control":
            colour = CONTROLLER_COLOURS.get(controllers or "", "#7f8c8d")
            hatch = "////" if status == "contested" else None
            _draw_polygon(ax, geom, facecolor=colour, alpha=0.55, edgecolor=colour, linewidth=2, hatch=hatch, zorder=7)
            # a zone of a few km is a dot at country scale: ring it so it stays visible
            x, y = _xy(cx, cy)
            ax.add_patch(matplotlib.patches.Circle((x, y), 38000, facecolor="none", edgecolor=colour, linewidth=2.2, zorder=7))
            label = (f"Zone de {name.split(' (')[0]} : {controllers} ({'contrôle total' if status == 'full' else status}, "
                     f"depuis le {valid_from:%d/%m/%Y}) ; anneau = repère")
            zone_legend[label] = Patch(facecolor=colour, alpha=0.55, edgecolor=colour, hatch=hatch, label=label)
        else:
            _draw_polygon(ax, geom, facecolor="#5d6d7e", alpha=0.35, edgecolor="#2c3e50", linewidth=1.2, hatch="xx", zorder=7)
            label = f"{name} (depuis le {valid_from:%d/%m/%Y})"
            zone_legend[label] = Patch(facecolor="#5d6d7e", alpha=0.35, edgecolor="#2c3e50", hatch="xx", label=label)

    for name, lon, lat in conn.execute(queries.get("map/other_towns"), {"names": REFERENCE_TOWNS}):
        x, y = _xy(lon, lat)
        ax.plot(x, y, "o", markersize=3, color="#555555", zorder=8)
        ax.text(x + 12000, y + 10000, "Tombouctou" if name == "Timbuktu" else name, fontsize=7.5, color="#444444", zorder=8, path_effects=halo)

    targeted = conn.execute(queries.get("map/targeted_towns"), {"attack_date": attack_date}).fetchall()
    offsets = {"Bamako": (-30000, -55000, "right"), "Kati": (-25000, 25000, "right"), "Mopti": (-25000, 20000, "right"),
               "Sévaré": (25000, -35000, "left"), "Gao": (25000, -10000, "left"), "Kidal": (50000, 10000, "left")}
    for location, lon, lat, source, file_name in targeted:
        used_sources.add(source)
        x, y = _xy(lon, lat)
        ax.plot(x, y, marker="*", markersize=17, color="#c0392b", markeredgecolor="black", markeredgewidth=0.8, zorder=10)
        dx, dy, ha = offsets.get(location, (25000, 15000, "left"))
        ax.text(x + dx, y + dy, location, fontsize=11, fontweight="bold", ha=ha, va="center", zorder=11, path_effects=halo)

    for name, kind, lon, lat in conn.execute(queries.get("map/sites")):
        if kind == "airport":
            x, y = _xy(lon, lat)
            ax.plot(x, y, marker="^", markersize=7, color="#1b2631", zorder=9)

    pad = 60000
    ax.set_xlim(bounds[0] - pad, bounds[2] + pad)
    ax.set_ylim(bounds[1] - pad * 2.2, bounds[3] + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])

    handles = [
        Line2D([], [], marker="*", linestyle="none", markersize=14, color="#c0392b", markeredgecolor="black",
               label=f"Ville ciblée le {attack_date:%d/%m/%Y} ({len(targeted)})"),
        Line2D([], [], marker="^", linestyle="none", markersize=7, color="#1b2631", label="Aéroport de Bamako-Sénou"),
        Line2D([], [], color="#7b5b3a", linewidth=1.4, label="Route nationale" + (" (tracé SCHÉMATIQUE)" if schematic else "")),
        Line2D([], [], color="#7b5b3a", linewidth=0.9, linestyle=(0, (5, 2)), label="Autre axe principal" + (" (SCHÉMATIQUE)" if schematic else "")),
        *zone_legend.values(),
        *[Patch(facecolor=c, alpha=0.5, edgecolor=c, label=f"{g}") for g, c in corridor_groups.items()],
        Line2D([], [], color="#8a8a8a", linewidth=0.6, linestyle=(0, (4, 3)), label="Limite de région (9 régions d'avant 2016)"),
    ]
    ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(0.995, 0.085), fontsize=7.5, framealpha=0.92, title=f"Situation au {as_of:%d/%m/%Y}", title_fontsize=8.5)

    _scale_bar(ax, bounds[2] - 480000, bounds[1] - pad * 1.3, 400)
    ax.annotate("N", xy=(0.95, 0.95), xytext=(0.95, 0.89), xycoords="axes fraction", ha="center", fontsize=12, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "black"})

    ax.set_title(TITLE, fontsize=12.5, fontweight="bold", wrap=True)
    rows = conn.execute(queries.get("map/source_files"), {"names": sorted(used_sources)}).fetchall()
    files = sorted({f for f, kind in rows if f and kind == "report"})
    others = sorted({n for f, kind, n in conn.execute(queries.get("map/source_names"), {"names": sorted(used_sources)}) if kind in ("boundaries", "gazetteer")})
    line = ("Sources : " + ", ".join(files) + " ; " + " ; ".join(others) + " ; GeoNames (CC BY 4.0)"
            + (" ; routes SCHÉMATIQUES conflict-gis (segments droits entre villes GeoNames, non levés)" if schematic else "")
            + ". Projection conique conforme de Lambert (12°N/22°N) ; échelle géodésique WGS 84.")
    fig.text(0.5, 0.015, line, ha="center", va="bottom", fontsize=6.3, wrap=True, color="#333333")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return out
