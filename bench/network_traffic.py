"""What one station sends the hub: its events, shaped by the kernel's contracts, at a station's rates.

The rates are those of a busy Grand Paris Express station on a weekday (docs/operations.md, "The
network, measured"), per second:

- lockers: 6 banks of 30 compartments, ~150 parcel movements an hour at the evening peak; each
  movement is three events (the parcel's status, the compartment's state, the bank's availability);
- mobility: 12 vehicle stations around, their feeds read every 30 s, half of them changed each time;
- signage: 40 screens going offline and back, alerts raised and cleared, a few an hour;
- kiosk: lifts and escalators out of service and back, a few an hour.

Bursts come on top: a courier's round (a whole bank filled in a minute), a feed that resyncs every
vehicle station at once, and an alert raised at every station of the network at the same moment.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from kernel.contracts import kiosk, lockers, mobility, signage
from kernel.db import utcnow
from kernel.events import KIOSK, LOCKERS, MOBILITY, SIGNAGE, OutgoingEvent, new_event

BANKS, COMPARTMENTS_PER_BANK, SCREENS, VEHICLE_STATIONS, EQUIPMENT = 6, 30, 40, 12, 16
LOCKER_MOVEMENTS_PER_HOUR = 150
# Events per second of each domain at a station, bursts aside.
RATES = {
    LOCKERS: 3 * LOCKER_MOVEMENTS_PER_HOUR / 3600,
    MOBILITY: VEHICLE_STATIONS / 30 / 2,
    SIGNAGE: 12 / 3600,
    KIOSK: 6 / 3600,
}
SIZES: tuple[lockers.CompartmentSize, ...] = ("S", "M", "L", "XL")


def events_per_second() -> float:
    """One station's steady rate, all domains."""
    return sum(RATES.values())


@dataclass
class Bank:
    bank_id: str
    code: str
    # compartment id -> (label, size, state)
    compartments: dict[str, tuple[str, lockers.CompartmentSize, lockers.CompartmentState]]


@dataclass
class StationTraffic:
    """One station's equipment and the events it produces; `random` is seeded per station."""

    slug: str
    rng: random.Random = field(default_factory=random.Random)
    banks: list[Bank] = field(default_factory=list)
    screens: dict[str, str] = field(default_factory=dict)
    alerts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for b in range(BANKS):
            compartments = {
                uuid.uuid4().hex: (f"{b + 1}{c + 1:02d}", SIZES[c % len(SIZES)], "free")
                for c in range(COMPARTMENTS_PER_BANK)
            }
            self.banks.append(Bank(uuid.uuid4().hex, f"B{b + 1}", compartments))  # type: ignore[arg-type]
        self.screens = {uuid.uuid4().hex: f"ECR-{s + 1:03d}" for s in range(SCREENS)}

    def _event(self, domain: str, entity: str, verb: str, data: object) -> OutgoingEvent:
        return new_event(station_id=self.slug, domain=domain, entity=entity, verb=verb, data=data)  # type: ignore[arg-type]

    # -- once, when the station is put into service ----------------------------------------------------
    def registrations(self) -> list[OutgoingEvent]:
        now = utcnow()
        events = [
            self._event(
                LOCKERS,
                lockers.BANK,
                lockers.REGISTERED,
                lockers.BankRegistered(
                    bank_id=bank.bank_id,
                    code=bank.code,
                    name=f"Consigne {bank.code}",
                    location="Niveau -1, salle d'échanges",
                    level=-1,
                    controller_client_id=None,
                    compartments=[
                        lockers.RegisteredCompartment(compartment_id=cid, label=label, size=size, state=state)
                        for cid, (label, size, state) in bank.compartments.items()
                    ],
                ),
            )
            for bank in self.banks
        ]
        events += [
            self._event(
                SIGNAGE,
                signage.SCREEN,
                signage.REGISTERED,
                signage.ScreenRegistered(
                    screen_id=screen_id,
                    code=code,
                    name=f"Écran {code}",
                    location="Quai",
                    orientation="landscape",
                    resolution="1920x1080",
                    languages=["fr", "en"],
                    playlist_id=None,
                    device_client_id=None,
                    registered_at=now,
                ),
            )
            for screen_id, code in self.screens.items()
        ]
        return events

    # -- steady traffic ------------------------------------------------------------------------------
    def next_event(self, domain: str) -> list[OutgoingEvent]:
        """The next thing that happens in `domain` (a locker movement is three events)."""
        if domain == LOCKERS:
            return self.locker_movement()
        if domain == MOBILITY:
            return [self.vehicle_station_status(self.rng.randrange(VEHICLE_STATIONS))]
        if domain == SIGNAGE:
            return [self.screen_or_alert()]
        return [self.equipment_status()]

    def locker_movement(self, bank: Bank | None = None) -> list[OutgoingEvent]:
        """A parcel deposited in a free compartment, or collected from an occupied one."""
        bank = bank or self.rng.choice(self.banks)
        cid = self.rng.choice(list(bank.compartments))
        label, size, previous = bank.compartments[cid]
        state: lockers.CompartmentState = "free" if previous == "occupied" else "occupied"
        bank.compartments[cid] = (label, size, state)
        now = utcnow()
        parcel = lockers.ParcelEvent(
            parcel_id=uuid.uuid4().hex,
            bank_id=bank.bank_id,
            bank_code=bank.code,
            compartment_label=label,
            direction="inbound",
            carrier="colissimo",
            carrier_reference=f"6A{self.rng.randrange(10**11):011d}",
            size=size,
            status=lockers.DEPOSITED if state == "occupied" else lockers.COLLECTED,
            expires_at=now + timedelta(days=3) if state == "occupied" else None,
            at=now,
        )
        free = {s: 0 for s in SIZES}
        total = {s: 0 for s in SIZES}
        for _, s, st in bank.compartments.values():
            total[s] += 1
            free[s] += st == "free"
        return [
            self._event(LOCKERS, lockers.PARCEL, parcel.status, parcel),
            self._event(
                LOCKERS,
                lockers.COMPARTMENT,
                lockers.STATE_CHANGED,
                lockers.CompartmentStateChanged(
                    bank_id=bank.bank_id,
                    bank_code=bank.code,
                    compartment_id=cid,
                    label=label,
                    size=size,
                    previous_state=previous,
                    state=state,
                    reason=None,
                ),
            ),
            self._event(
                LOCKERS,
                lockers.BANK,
                lockers.AVAILABILITY_CHANGED,
                lockers.BankAvailabilityChanged(
                    bank_id=bank.bank_id,
                    bank_code=bank.code,
                    name=f"Consigne {bank.code}",
                    level=-1,
                    availability={s: lockers.SizeAvailability(free=free[s], total=total[s]) for s in SIZES},
                    changed_at=now,
                ),
            ),
        ]

    def vehicle_station_status(self, index: int) -> OutgoingEvent:
        capacity = 30
        available = self.rng.randrange(capacity + 1)
        return self._event(
            MOBILITY,
            mobility.VEHICLE_STATION,
            mobility.STATUS_CHANGED,
            mobility.VehicleStationStatusChanged(
                vehicle_station_id=f"velib-{self.slug}-{index}",
                system_id="velib-metropole",
                name=f"{self.slug} {index}",
                lat=48.9 + index / 1000,
                lon=2.35 + index / 1000,
                capacity=capacity,
                num_vehicles_available=available,
                vehicle_types_available=[
                    mobility.VehicleTypeCountOfKind(vehicle_type_id="mechanical", count=available // 2),
                    mobility.VehicleTypeCountOfKind(
                        vehicle_type_id="electric", count=available - available // 2
                    ),
                ],
                num_docks_available=capacity - available,
                is_installed=True,
                is_renting=True,
                is_returning=True,
                last_reported=utcnow(),
            ),
        )

    def screen_or_alert(self) -> OutgoingEvent:
        if self.rng.random() < 0.5:
            screen_id = self.rng.choice(list(self.screens))
            verb = self.rng.choice((signage.OFFLINE, "online"))
            data = signage.ScreenOffline(
                screen_id=screen_id, code=self.screens[screen_id], last_seen_at=utcnow()
            )
            return self._event(SIGNAGE, signage.SCREEN, verb, data)
        if self.alerts and self.rng.random() < 0.5:
            return self.alert_cleared(self.alerts.pop(0))
        return self.alert_raised("info", "Trafic perturbé sur la ligne 16")

    def alert_raised(
        self, severity: signage.AlertSeverity, text: str, alert_id: str | None = None
    ) -> OutgoingEvent:
        alert_id = alert_id or uuid.uuid4().hex
        self.alerts.append(alert_id)
        return self._event(
            SIGNAGE,
            signage.ALERT,
            signage.RAISED,
            signage.AlertRaised(
                alert_id=alert_id,
                severity=severity,
                text={"fr": text, "en": text},
                targets=signage.AlertTargets(),
                raised_at=utcnow(),
                expires_at=None,
            ),
        )

    def alert_cleared(self, alert_id: str) -> OutgoingEvent:
        return self._event(
            SIGNAGE,
            signage.ALERT,
            signage.CLEARED,
            signage.AlertCleared(alert_id=alert_id, cleared_at=utcnow()),
        )

    def equipment_status(self) -> OutgoingEvent:
        index = self.rng.randrange(EQUIPMENT)
        status: kiosk.EquipmentStatus = self.rng.choice(("in_service", "out_of_service"))
        return self._event(
            KIOSK,
            kiosk.EQUIPMENT,
            kiosk.STATUS_CHANGED,
            kiosk.EquipmentStatusChanged(
                place_code=f"ASC-{index:02d}",
                kind="lift" if index % 2 else "escalator",
                names={"fr": f"Ascenseur {index}", "en": f"Lift {index}"},
                level=-1,
                status=status,
                reason=None if status == "in_service" else "maintenance",
                until=None,
                changed_at=utcnow(),
            ),
        )

    # -- bursts --------------------------------------------------------------------------------------
    def courier_round(self) -> list[OutgoingEvent]:
        """A courier fills (or empties) a whole bank: one movement per compartment."""
        bank = self.rng.choice(self.banks)
        return [e for _ in range(COMPARTMENTS_PER_BANK) for e in self.locker_movement(bank)]

    def feed_resync(self) -> list[OutgoingEvent]:
        """The vehicle feed comes back from an outage and reports every vehicle station at once."""
        return [self.vehicle_station_status(i) for i in range(VEHICLE_STATIONS)]

    def steady_events(self, seconds: float) -> list[OutgoingEvent]:
        """What the station produces in `seconds` of steady traffic, in one go (a cut link's backlog)."""
        events: list[OutgoingEvent] = []
        for domain, rate in RATES.items():
            happenings = round(seconds * rate / (3 if domain == LOCKERS else 1))
            for _ in range(happenings):
                events += self.next_event(domain)
        return events
