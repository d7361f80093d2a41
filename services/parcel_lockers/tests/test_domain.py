import pytest

from services.parcel_lockers import domain


@pytest.mark.parametrize(
    ("state", "in_service", "expected"),
    [
        ("free", False, "out_of_service"),
        ("out_of_service", False, "out_of_service"),
        ("out_of_service", True, "free"),
        ("free", True, "free"),
        # Already in service: returning it changes nothing, the parcel stays where it is.
        ("reserved", True, "reserved"),
        ("occupied", True, "occupied"),
    ],
)
def test_service_state_transitions(state, in_service, expected):
    assert domain.service_state_after(state, in_service=in_service) == expected


@pytest.mark.parametrize("state", ["reserved", "occupied"])
def test_a_compartment_with_a_parcel_cannot_leave_service(state):
    with pytest.raises(domain.CompartmentBusy) as refused:
        domain.service_state_after(state, in_service=False)
    assert refused.value.state == state


@pytest.mark.parametrize("reason", [None, "", "   \t"])
def test_out_of_service_needs_a_reason(reason):
    assert [p.field for p in domain.out_of_service_reason_problems(reason)] == ["reason"]


def test_reason_length_is_counted_without_surrounding_blanks():
    longest = "x" * domain.MAX_REASON_LENGTH
    assert domain.out_of_service_reason_problems(f"  {longest}  ") == []
    assert domain.out_of_service_reason_problems(longest + "x") != []


def test_a_new_bank_has_unique_labels():
    problems = domain.new_bank_problems(["A01", "A02", "A01", "A03", "A02"])
    assert [(p.field, p.detail) for p in problems] == [
        ("compartments", "labels used more than once: A01, A02")
    ]


@pytest.mark.parametrize(
    ("count", "accepted"),
    [(0, False), (1, True), (domain.MAX_COMPARTMENTS, True), (domain.MAX_COMPARTMENTS + 1, False)],
)
def test_a_new_bank_has_1_to_200_compartments(count, accepted):
    labels = [f"A{n:03d}" for n in range(count)]
    assert (domain.new_bank_problems(labels) == []) == accepted


def test_availability_counts_only_free_compartments_as_free():
    counts = domain.availability(
        [("S", "free"), ("S", "occupied"), ("M", "reserved"), ("M", "free"), ("M", "out_of_service")]
    )
    assert counts == {
        "S": {"free": 1, "total": 2},
        "M": {"free": 1, "total": 3},
        "L": {"free": 0, "total": 0},
        "XL": {"free": 0, "total": 0},
    }


def test_availability_of_an_empty_bank_lists_every_size():
    assert list(domain.availability([])) == ["S", "M", "L", "XL"]


def test_presence_code_rotates_and_the_previous_one_still_counts():
    from datetime import UTC, datetime, timedelta

    secret = b"bank secret"
    now = datetime(2026, 11, 26, 12, 0, 10, tzinfo=UTC)
    window = domain.presence_window(now, 30)
    current = domain.presence_code(secret, window)
    assert len(current) == 6 and current.isdigit()
    assert domain.presence_code_valid(secret, current, now, 30)
    assert domain.presence_code_valid(secret, current, now + timedelta(seconds=30), 30)  # previous window
    assert not domain.presence_code_valid(secret, current, now + timedelta(seconds=60), 30)  # too old
    assert domain.presence_code(secret, window + 1) != current
    assert domain.presence_code(b"another bank", window) != current
    # RFC 4226 test vector: HOTP of counter 0 under "12345678901234567890".
    assert domain.presence_code(b"12345678901234567890", 0) == "755224"
