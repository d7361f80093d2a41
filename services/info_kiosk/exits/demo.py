"""Demo data of the way out: what the demo stations' exits lead to, as an operator would enter it
(the catalog's open data has no bus stops, streets nor landmarks; its Vélib' docks are imported)."""

from __future__ import annotations

from services.info_kiosk.exits.schemas import DestinationCreate

# exit code -> what is outside it. Bus lines are those of the stops around the real stations.
DEMO_DESTINATIONS: dict[str, dict[str, list[DestinationCreate]]] = {
    "saint-denis-pleyel": {
        "exit-rue-pleyel": [
            DestinationCreate(
                code="bus-carrefour-pleyel",
                kind="bus_stop",
                names={"fr": "Arrêt de bus Carrefour Pleyel", "en": "Carrefour Pleyel bus stop"},
                lines=["139", "153", "173", "255"],
                lat=48.91868,
                lon=2.34502,
                walking_m=140,
            ),
            DestinationCreate(
                code="rue-pleyel",
                kind="street",
                names={"fr": "Rue Pleyel", "en": "Rue Pleyel"},
                lat=48.91790,
                lon=2.34580,
            ),
            DestinationCreate(
                code="cite-du-cinema",
                kind="landmark",
                names={"fr": "Cité du Cinéma", "en": "Cité du Cinéma film studios"},
                lat=48.91990,
                lon=2.34300,
            ),
        ],
        "exit-bd-anatole-france": [
            DestinationCreate(
                code="bd-anatole-france",
                kind="street",
                names={"fr": "Boulevard Anatole France", "en": "Boulevard Anatole France"},
                lat=48.91700,
                lon=2.34660,
            ),
            DestinationCreate(
                code="taxi-pleyel",
                kind="taxi",
                names={"fr": "Station de taxis", "en": "Taxi rank"},
                lat=48.91690,
                lon=2.34700,
            ),
            DestinationCreate(
                code="bus-pleyel-anatole-france",
                kind="bus_stop",
                names={
                    "fr": "Arrêt de bus Pleyel Anatole France",
                    "en": "Pleyel Anatole France bus stop",
                },
                lines=["153", "274"],
                lat=48.91680,
                lon=2.34620,
            ),
        ],
        "exit-rue-francis-de-pressense": [
            DestinationCreate(
                code="rue-francis-de-pressense",
                kind="street",
                names={"fr": "Rue Francis de Pressensé", "en": "Rue Francis de Pressensé"},
                lat=48.91760,
                lon=2.34760,
            ),
            DestinationCreate(
                code="recharge-pressense",
                kind="charging_point",
                names={"fr": "Bornes de recharge électrique", "en": "Electric vehicle charging points"},
                lat=48.91770,
                lon=2.34800,
            ),
        ],
    },
    "villejuif-institut-gustave-roussy": {
        "exit-rue-edouard-vaillant": [
            DestinationCreate(
                code="institut-gustave-roussy",
                kind="landmark",
                names={"fr": "Institut Gustave Roussy", "en": "Gustave Roussy cancer institute"},
                lat=48.79440,
                lon=2.34990,
            ),
            DestinationCreate(
                code="bus-gustave-roussy",
                kind="bus_stop",
                names={"fr": "Arrêt de bus Gustave Roussy", "en": "Gustave Roussy bus stop"},
                lines=["162", "380"],
                lat=48.79350,
                lon=2.34870,
            ),
        ],
        "exit-bd-maxime-gorki": [
            DestinationCreate(
                code="bd-maxime-gorki",
                kind="street",
                names={"fr": "Boulevard Maxime Gorki", "en": "Boulevard Maxime Gorki"},
                lat=48.79260,
                lon=2.34900,
            ),
        ],
        "exit-parc-hautes-bruyeres": [
            DestinationCreate(
                code="parc-hautes-bruyeres",
                kind="landmark",
                names={"fr": "Parc des Hautes-Bruyères", "en": "Hautes-Bruyères park"},
                lat=48.79200,
                lon=2.35250,
            ),
        ],
    },
}
