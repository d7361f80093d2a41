"""The parcel rules of domain.py: allocation, sizes, statuses, who opens a door and why."""

from datetime import UTC, datetime, timedelta

import pytest

from kernel.auth import Principal, Role
from kernel.contracts.lockers import CompartmentSize, CompartmentState
from services.parcel_lockers import domain

Row = tuple[str, CompartmentSize, CompartmentState]


def bank(*compartments: Row) -> list[Row]:
    return list(compartments)


def test_the_smallest_free_compartment_that_fits_is_chosen():
    compartments = bank(("a", "S", "occupied"), ("b", "L", "free"), ("c", "M", "free"), ("d", "M", "free"))
    assert domain.choose_compartment(compartments, "S") == "c"
    assert domain.choose_compartment(compartments, "M") == "c"
    assert domain.choose_compartment(compartments, "L") == "b"


def test_full_sizes_are_named_smallest_first():
    compartments = bank(("a", "M", "occupied"), ("b", "S", "free"), ("c", "L", "out_of_service"))
    with pytest.raises(domain.SizesFull) as full:
        domain.choose_compartment(compartments, "M")
    assert full.value.full == ["M", "L"]


def test_a_parcel_larger_than_every_compartment_is_not_a_full_bank():
    with pytest.raises(domain.NoFittingCompartment):
        domain.choose_compartment(bank(("a", "S", "free"), ("b", "M", "free")), "L")


@pytest.mark.parametrize(
    ("dimensions", "size"),
    [
        ((5, 30, 60), "S"),
        ((60, 30, 5), "S"),
        ((10, 30, 30), "M"),
        ((35, 40, 60), "L"),
        ((40, 40, 40), "XL"),
        ((55, 45, 60), "XL"),
        ((70, 70, 70), None),
    ],
)
def test_size_from_dimensions_in_any_orientation(dimensions, size):
    assert domain.size_for_dimensions(*dimensions) == size


def test_statuses_move_only_forward():
    assert domain.next_status("ready", "collected") == "collected"
    assert domain.next_status("expired", "returned") == "returned"
    refused: list[tuple[domain.ParcelStatus, domain.ParcelStatus]] = [
        ("collected", "ready"),
        ("announced", "collected"),
        ("returned", "collected"),
    ]
    for current, wanted in refused:
        with pytest.raises(domain.StatusConflict):
            domain.next_status(current, wanted)


def test_who_opens_a_door_and_why():
    assert domain.purpose_for_opening("inbound", "ready", by_recipient=True) == "collect"
    assert domain.purpose_for_opening("inbound", "expired", by_recipient=True) is None
    assert domain.purpose_for_opening("inbound", "expired", by_recipient=False) == "return"
    assert domain.purpose_for_opening("inbound", "announced", by_recipient=False) == "deposit"
    assert domain.purpose_for_opening("outbound", "announced", by_recipient=True) == "drop_off"
    assert domain.purpose_for_opening("outbound", "ready", by_recipient=False) == "carrier_pickup"
    assert domain.purpose_for_opening("inbound", "collected", by_recipient=True) is None


def test_door_closing_completes_each_purpose():
    assert domain.status_when_door_closes("deposit") == "ready"
    assert domain.status_when_door_closes("collect") == "collected"
    assert domain.status_when_door_closes("return") == "returned"
    assert domain.compartment_state_when_door_closes("deposit") == "occupied"
    assert domain.compartment_state_when_door_closes("carrier_pickup") == "free"


def test_pickup_codes_keep_their_leading_zeros():
    assert domain.new_pickup_code(lambda n: 42) == "00000042"
    assert len(domain.new_pickup_code(lambda n: n - 1)) == domain.PICKUP_CODE_DIGITS


def test_expiry():
    ready_at = datetime(2026, 11, 1, 12, tzinfo=UTC)
    expiry = domain.expires_at(ready_at, 3)
    assert expiry == ready_at + timedelta(days=3)
    assert not domain.is_expired("ready", expiry, expiry - timedelta(seconds=1))
    assert domain.is_expired("ready", expiry, expiry)
    assert not domain.is_expired("collected", expiry, expiry + timedelta(days=1))


def test_a_token_opens_a_door_only_until_it_expires_give_or_take_the_clock_skew():
    expiry = datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert domain.token_refusal_at_opening(expiry, expiry - timedelta(minutes=4)) is None
    assert domain.token_refusal_at_opening(expiry, expiry + domain.TOKEN_CLOCK_SKEW) is None
    late = domain.token_refusal_at_opening(expiry, expiry + timedelta(seconds=30))
    assert late is not None and "expired 30 s before" in late


def _principal(role: Role, scopes: str, **claims: object) -> Principal:
    return Principal(
        subject=f"{role}:x", role=role, stations=("*",), scopes=frozenset(scopes.split()), claims=claims
    )


def test_who_sees_a_parcel_of_a_carrier():
    colissimo = _principal("courier", "parcels:deposit lockers:read", carrier="colissimo")
    dhl = _principal("courier", "parcels:deposit lockers:read", carrier="dhl")
    no_carrier = _principal("courier", "parcels:deposit lockers:read")
    operator = _principal("operator", "station:operate")
    traveller = _principal("traveller", "parcels:collect parcels:send", phone_number="+33612345678")
    controller = _principal("device", "lockers:control")
    sees = {
        name: domain.may_see_parcel(who, carrier="colissimo", recipient=False)
        for name, who in {
            "colissimo": colissimo,
            "dhl": dhl,
            "no_carrier": no_carrier,
            "operator": operator,
            "traveller": traveller,
            "controller": controller,
        }.items()
    }
    assert sees == {
        "colissimo": True,
        "dhl": False,
        "no_carrier": False,
        "operator": True,
        "traveller": False,
        "controller": False,
    }
    assert domain.may_see_parcel(traveller, carrier="colissimo", recipient=True)
    assert domain.is_recipient(traveller, recipient_phone="+33612345678", recipient_subject=None)
    assert not domain.is_recipient(traveller, recipient_phone="+33698765432", recipient_subject=None)
    assert [domain.may_read_phone_numbers(p) for p in (operator, colissimo, traveller)] == [
        True,
        False,
        False,
    ]
