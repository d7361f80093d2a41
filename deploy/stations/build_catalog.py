"""Build the station catalog from the open data in deploy/stations/sources (sources/README.md).

Writes, all committed:
- deploy/stations/<slug>.json: the demo stations with their Vélib' stations (the embedded run reads them);
- deploy/stations/network/gpe-stations.json: every Grand Paris Express station;
- deploy/k8s/stations/<slug>/: one Kubernetes overlay per station of that list.

Run: ./dev catalog   (or python -m deploy.stations.build_catalog [sources folder])
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from deploy.stations.network import NETWORK_FILE, Network, NetworkStation
from kernel.geo import distance_m

HERE = Path(__file__).parent
SOURCES = HERE / "sources"

# The demo stations: slug (DESIGN.md), and the IDFM point of the station (id_gares, line).
DEMO_STATIONS = {
    "saint-denis-pleyel": ("1865", "METRO 14"),
    "villejuif-institut-gustave-roussy": ("1855", "METRO 14"),
}
RADIUS_M = 500
VELIB_SYSTEM = "velib-metropole"
IDFM_SOURCE = "Île-de-France Mobilités, emplacement-des-gares-idf (Licence Ouverte / Etalab)"
DEMO_SOURCES = [
    IDFM_SOURCE,
    "Vélib' Métropole / Smovengo open data, station_information + station_status snapshot of 2025-10-18",
]
NETWORK_SOURCES = [
    IDFM_SOURCE,
    "Names and lines of lines 15-18: typed by the project from the Société des grands projets' public "
    "line descriptions (deploy/stations/sources/gpe-stations.csv)",
]
# A connecting station's point says where the new station is to about 100 m, not better.
CONNECTION_DECIMALS = 3


IdfmPoints = dict[tuple[str, str], dict[str, str]]


def read_idfm(path: Path) -> IdfmPoints:
    """IDFM's points by (id_gares, line): an id_gares alone is not unique in the dataset."""
    with path.open(encoding="utf-8-sig") as f:
        return {(row["id_gares"], row["res_com"]): row for row in csv.DictReader(f, delimiter=";")}


def point_label(row: dict[str, str]) -> str:
    return f"{row['nom_gares']} ({row['res_com']})"


def idfm_point(row: dict[str, str]) -> tuple[float, float]:
    lat, lon = (float(v) for v in row["geo_point_2d"].split(","))
    return lat, lon


def velib_types(status: dict[str, Any]) -> tuple[int, int]:
    counts: dict[str, int] = {}
    for entry in status.get("num_bikes_available_types", []):
        counts.update(entry)
    return counts.get("mechanical", 0), counts.get("ebike", 0)


def demo_station(
    slug: str, row: dict[str, str], idfm: IdfmPoints, info: dict, status_by_id: dict
) -> dict[str, Any]:
    lat, lon = idfm_point(row)
    lines = sorted({r["res_com"] for r in idfm.values() if r["id_ref_zdc"] == row["id_ref_zdc"]})
    nearby = []
    for velib in info["data"]["stations"]:
        d = distance_m(lat, lon, velib["lat"], velib["lon"])
        st = status_by_id.get(velib["station_id"])
        if d > RADIUS_M or st is None:
            continue
        mechanical, ebike = velib_types(st)
        nearby.append(
            {
                "system_id": VELIB_SYSTEM,
                "external_id": str(velib["station_id"]),
                "code": velib.get("stationCode"),
                "name": velib["name"],
                "lat": velib["lat"],
                "lon": velib["lon"],
                "capacity": velib["capacity"],
                "distance_m": round(d),
                "mechanical_available": mechanical,
                "ebike_available": ebike,
                "docks_available": st["num_docks_available"],
                "is_installed": bool(st["is_installed"]),
                "is_renting": bool(st["is_renting"]),
                "is_returning": bool(st["is_returning"]),
                "last_reported": st["last_reported"],
            }
        )
    nearby.sort(key=lambda v: v["distance_m"])
    return {
        "slug": slug,
        "name": row["nom_gares"],
        "lat": lat,
        "lon": lon,
        "lines": lines,
        "idfm_id_gares": row["id_gares"],
        "idfm_zdc": row["id_ref_zdc"],
        "timezone": "Europe/Paris",
        "vehicle_stations": nearby,
        "sources": DEMO_SOURCES,
    }


def network_station(entry: dict[str, str], idfm: IdfmPoints) -> NetworkStation:
    """One row of gpe-stations.csv, with its coordinates taken from the IDFM point it names."""
    position = entry["position"] or None
    lat = lon = None
    point = None
    if position is not None:
        # The CSV names the point it means, "name (line)": a wrong id is caught here, not on a map.
        line = entry["idfm_point"].rpartition(" (")[2].rstrip(")")
        row = idfm.get((entry["idfm_id_gares"], line))
        if row is None or point_label(row) != entry["idfm_point"]:
            found = point_label(row) if row else "nothing"
            raise ValueError(
                f"{entry['slug']}: IDFM {entry['idfm_id_gares']} on {line} is {found}, not {entry['idfm_point']!r}"
            )
        point = entry["idfm_point"]
        lat, lon = idfm_point(row)
        if position == "connection":
            lat, lon = round(lat, CONNECTION_DECIMALS), round(lon, CONNECTION_DECIMALS)
    return NetworkStation(
        slug=entry["slug"],
        name=entry["name"],
        lines=entry["lines"].split(),
        lat=lat,
        lon=lon,
        position=position,  # type: ignore[arg-type]  # checked by the model
        idfm_id_gares=entry["idfm_id_gares"] or None,
        idfm_point=point,
        services=entry["services"].split() if entry.get("services") else None,
    )


def build_network(sources: Path, idfm: IdfmPoints) -> Network:
    with (sources / "gpe-stations.csv").open(encoding="utf-8") as f:
        stations = [network_station(entry, idfm) for entry in csv.DictReader(f)]
    return Network(
        description=(
            "Every station of the Grand Paris Express (lines 15, 16, 17, 18 and the line 14 extension "
            "to Aéroport d'Orly, with Saint-Denis Pleyel). position says where lat/lon come from: "
            "'station' = IDFM's point of this station, 'connection' = IDFM's point of the station it "
            "connects with (rounded to ~100 m), null = no open data gives it (see sources/README.md)."
        ),
        sources=NETWORK_SOURCES,
        stations=stations,
    )


def write_json(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main(sources: Path = SOURCES) -> None:
    from deploy.k8s.generate import write_manifests

    idfm = read_idfm(sources / "idfm" / "emplacement-des-gares-idf.csv")
    info = json.loads((sources / "velib-metropole" / "station_information.json").read_text())
    status = json.loads((sources / "velib-metropole" / "station_status.json").read_text())
    status_by_id = {s["station_id"]: s for s in status["data"]["stations"]}
    for slug, point in DEMO_STATIONS.items():
        station = demo_station(slug, idfm[point], idfm, info, status_by_id)
        write_json(HERE / f"{slug}.json", station)
        print(f"{slug}.json: {len(station['vehicle_stations'])} Vélib' stations within {RADIUS_M} m")

    network = build_network(sources, idfm)
    write_json(NETWORK_FILE, network.model_dump(mode="json"))
    located = sum(1 for s in network.stations if s.position is not None)
    print(f"{NETWORK_FILE.name}: {len(network.stations)} stations, {located} with coordinates from open data")
    print(f"deploy/k8s/stations/: {write_manifests(network)} overlays")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCES)
