"""What domain rules return when input is wrong: pure values, turned into problems by the service layer."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field of the request body."""

    field: str
    detail: str
