"""Derive deploy/stations/<slug>.json from the open-data snapshots in shared/reference/data.

Run: python deploy/stations/build_catalog.py <reference/data folder>
The output is committed; the demo and the tests read it, never the reference folder.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from services.common.geo import distance_m

# Slug (DESIGN.md), IDFM id_gares of the station's point in emplacement-des-gares-idf.
STATIONS = {
    "saint-denis-pleyel": "1865",
    "villejuif-institut-gustave-roussy": "1855",
}
RADIUS_M = 500
VELIB_SYSTEM = "velib-metropole"
SOURCES = [
    "Île-de-France Mobilités, emplacement-des-gares-idf (Licence Ouverte / Etalab)",
    "Vélib' Métropole / Smovengo open data, station_information + station_status snapshot of 2025-10-18",
]


def read_idfm(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig") as f:
        return {row["id_gares"]: row for row in csv.DictReader(f, delimiter=";")}


def velib_types(status: dict) -> tuple[int, int]:
    counts: dict[str, int] = {}
    for entry in status.get("num_bikes_available_types", []):
        counts.update(entry)
    return counts.get("mechanical", 0), counts.get("ebike", 0)


def main(reference: Path) -> None:
    idfm = read_idfm(reference / "idfm" / "emplacement-des-gares-idf.csv")
    info = json.loads((reference / "velib-metropole" / "station_information.json").read_text())
    status = json.loads((reference / "velib-metropole" / "station_status.json").read_text())
    status_by_id = {s["station_id"]: s for s in status["data"]["stations"]}
    out_dir = Path(__file__).parent
    for slug, id_gares in STATIONS.items():
        row = idfm[id_gares]
        lat, lon = (float(v) for v in row["geo_point_2d"].split(","))
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
        station = {
            "slug": slug,
            "name": row["nom_gares"],
            "lat": lat,
            "lon": lon,
            "lines": lines,
            "idfm_id_gares": id_gares,
            "idfm_zdc": row["id_ref_zdc"],
            "timezone": "Europe/Paris",
            "vehicle_stations": nearby,
            "sources": SOURCES,
        }
        path = out_dir / f"{slug}.json"
        path.write_text(json.dumps(station, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"{path}: {len(nearby)} Vélib' stations within {RADIUS_M} m")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
