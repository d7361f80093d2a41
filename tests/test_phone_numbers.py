"""One rule for phone numbers, whoever takes them (lockers' deposit, the gateway's OTP...): the
kernel's PhoneNumberInput, which normalises to E.164 with normalize_phone_number."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from gateway.domain import normalize_phone_number as gateway_rule
from gateway.schemas import OtpRequest
from kernel.fields import PHONE_NUMBER_INPUT_PATTERN, PhoneNumberInput, normalize_phone_number
from services.parcel_lockers.schemas import DepositIn


class Phone(BaseModel):
    number: PhoneNumberInput


# One separator at most between digits: a 15-digit number so typed stays within the 32 characters
# the schema accepts.
separators = st.text(alphabet=" .-()", max_size=1)


@st.composite
def typed_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A number as someone types it, and its E.164 form."""
    if draw(st.booleans()):
        national = draw(st.from_regex(r"0[1-9][0-9]{8}", fullmatch=True))
        e164 = "+33" + national[1:]
        digits = national
    else:
        e164 = draw(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
        digits = e164
    typed = "".join(ch + draw(separators) for ch in digits).strip()
    return typed, e164


@given(typed_numbers())
def test_every_way_of_typing_a_number_gives_its_e164_form(case: tuple[str, str]) -> None:
    typed, e164 = case
    assert normalize_phone_number(typed) == e164
    assert Phone(number=typed).number == e164
    assert normalize_phone_number(e164) == e164  # idempotent


@given(st.text(max_size=40))
def test_what_the_schema_pattern_accepts_is_what_the_rule_normalises(text: str) -> None:
    by_pattern = re.match(PHONE_NUMBER_INPUT_PATTERN, text) is not None and len(text) <= 32
    try:
        Phone(number=text)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == by_pattern
    if accepted:
        assert normalize_phone_number(text) is not None


DEPOSIT = {"bank": "A", "carrier": "colissimo", "carrier_reference": "R-1", "size": "S"}


@pytest.mark.parametrize(
    "typed", ["06 12 34 56 78", "06.12.34.56.78", "(06) 12-34-56-78", "+33 6 12 34 56 78", "+33612345678"]
)
def test_the_deposit_and_the_sign_in_take_the_same_numbers_the_same_way(typed: str) -> None:
    assert DepositIn.model_validate(DEPOSIT | {"recipient_phone": typed}).recipient_phone == "+33612345678"
    assert OtpRequest.model_validate({"phone_number": typed}).phone_number == "+33612345678"
    assert gateway_rule is normalize_phone_number


@pytest.mark.parametrize("typed", ["0612", "+0612345678", "call me", "06 12 34 56 78 90"])
def test_neither_takes_what_is_not_a_number(typed: str) -> None:
    with pytest.raises(ValidationError):
        DepositIn.model_validate(DEPOSIT | {"recipient_phone": typed})
    with pytest.raises(ValidationError):
        OtpRequest.model_validate({"phone_number": typed})
