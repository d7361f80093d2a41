"""The gateway's HTTP shapes: OAuth 2.0 endpoints, one-time codes, devices, accounts, sign-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from gateway import domain
from kernel.auth import Role
from kernel.fields import Carrier, Label, PhoneNumber, PhoneNumberInput, StrictInput
from kernel.stations import StationSlug

GRANT_PASSWORD = "password"
GRANT_CLIENT_CREDENTIALS = "client_credentials"
GRANT_REFRESH_TOKEN = "refresh_token"
GRANT_DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_PHONE_OTP = "urn:gare-numerique:params:oauth:grant-type:phone-otp"
GRANT_TYPES = [
    GRANT_PASSWORD,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_REFRESH_TOKEN,
    GRANT_DEVICE_CODE,
    GRANT_PHONE_OTP,
]

Binding = Annotated[
    str,
    Field(
        min_length=1,
        max_length=domain.BINDING_MAX_LENGTH,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="What the device serves: screen code (screen, kiosk), bank code, or system id",
        examples=["hall"],
    ),
]
Username = Annotated[str, Field(min_length=3, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")]
Password = Annotated[str, Field(min_length=12, max_length=200, description="At least 12 characters")]
StaffRole = Literal["operator", "courier", "admin", "culture"]


class TokenResponse(BaseModel):
    """RFC 6749 §5.1, plus what a paired device needs to know about itself."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    scope: str
    refresh_token: str | None = None
    refresh_token_expires_in: int | None = Field(
        default=None,
        description="Seconds this refresh token stays usable if the client does not refresh sooner",
    )
    client_id: str | None = Field(default=None, description="Device grants: the device's client id")
    station: str | None = Field(default=None, description="Device grants: the device's station")
    device_kind: str | None = None
    device_binding: str | None = None


class DeviceAuthorizationResponse(BaseModel):
    """RFC 8628 §3.2."""

    device_code: str
    user_code: str = Field(examples=["BCDF-GHJK"])
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


class AuthorizationServerMetadata(BaseModel):
    """RFC 8414 §2, with RFC 8628's device authorization endpoint and the phone-code endpoint."""

    issuer: str
    token_endpoint: str
    revocation_endpoint: str
    device_authorization_endpoint: str
    jwks_uri: str
    grant_types_supported: list[str]
    response_types_supported: list[str]
    scopes_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    revocation_endpoint_auth_methods_supported: list[str]
    service_documentation: str
    phone_code_endpoint: str = Field(description="Sends the code of the phone-otp grant (not an RFC member)")


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


# -- devices ------------------------------------------------------------------------------------


class DeviceClaim(StrictInput):
    """An operator claims the code a screen, kiosk or locker controller shows."""

    user_code: str = Field(min_length=8, max_length=12, examples=["BCDF-GHJK"])
    station: StationSlug
    kind: Literal["screen", "kiosk", "locker_controller"]
    binding: Binding
    label: Label | None = None
    replace: bool = Field(
        default=False, description="Unpair the device currently bound to the same screen or bank, if any"
    )


class DeviceDenial(StrictInput):
    user_code: str = Field(min_length=8, max_length=12, examples=["BCDF-GHJK"])
    station: StationSlug


class DeviceUpdate(StrictInput):
    binding: Binding | None = None
    label: Label | None = None
    replace: bool = False


class DevicePublic(BaseModel):
    client_id: str
    station: str
    kind: str
    binding: str | None
    label: str | None
    credential: Literal["secret", "paired"] = Field(
        description="`secret`: provisioned with client credentials; `paired`: claimed by an operator"
    )
    paired_by: str | None
    status: Literal["active", "unpaired"]
    created_at: datetime
    unpaired_at: datetime | None


# -- accounts -----------------------------------------------------------------------------------


class AccountCreate(StrictInput):
    username: Username
    password: Password
    role: StaffRole
    stations: list[StationSlug] = Field(default=[], max_length=100)
    carrier: Carrier | None = Field(
        default=None, description="Couriers (required): the carrier they work for"
    )


class AccountUpdate(StrictInput):
    password: Password | None = None
    role: StaffRole | None = None
    stations: list[StationSlug] | None = Field(default=None, max_length=100)
    carrier: Carrier | None = None
    disabled: bool | None = None


class AccountPublic(BaseModel):
    username: str
    role: Role
    stations: list[str]
    carrier: str | None = None
    disabled: bool
    created_at: datetime


# -- sign-ins -----------------------------------------------------------------------------------


class SessionPublic(BaseModel):
    """One sign-in of the caller (a browser, a phone, a paired device)."""

    id: str
    kind: str
    user_agent: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool
