"""The gateway's HTTP shapes (OAuth2 token endpoint, one-time codes)."""

from __future__ import annotations

from pydantic import BaseModel

from services.common.fields import PhoneNumber, PhoneNumberInput, StrictInput

GRANT_PASSWORD = "password"
GRANT_CLIENT_CREDENTIALS = "client_credentials"
GRANT_PHONE_OTP = "urn:gare-numerique:params:oauth:grant-type:phone-otp"


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    scope: str


class OtpRequest(StrictInput):
    phone_number: PhoneNumberInput


class OtpSent(BaseModel):
    phone_number: PhoneNumber
    expires_in: int
    code_digits: int


class NotifierMessage(BaseModel):
    to: str
    text: str
    sent_at: str
