"""What domain rules return when input is wrong: pure values, turned into problems by the service layer."""

from dataclasses import dataclass
from datetime import UTC, datetime

# No device of a station reports from before 2000: an earlier time is a clock that was never set.
EARLIEST_TIMESTAMP = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field of the request body."""

    field: str
    detail: str
