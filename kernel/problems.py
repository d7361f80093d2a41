"""Every problem type the station answers with: the `type` of a problem (`/problems/<slug>`) names
one of these, and the gateway serves a page for each at that address (gateway/problems.py).

A new slug is added here first; tests/test_problem_types.py finds every slug the code and the
OpenAPI document use and fails on one missing from this list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProblemType:
    status: int | None  # None: the status varies (it is the answer's)
    meaning: str


PROBLEM_TYPES: dict[str, ProblemType] = {
    # -- the request cannot be read --------------------------------------------------------------
    "bad-request": ProblemType(400, "The request cannot be read (a broken form, say)."),
    "bad-http-request": ProblemType(400, "The HTTP request itself is malformed; the server cannot parse it."),
    "malformed-json": ProblemType(400, "The body is not valid JSON (or not UTF-8)."),
    "malformed-message": ProblemType(400, "A NATS message is not the JSON the subject expects."),
    "invalid-path": ProblemType(
        400, "The path has an encoded slash, a dot segment or a control character; the gateway forwards none."
    ),
    "invalid-query": ProblemType(400, "The query has a NUL character."),
    "invalid-cursor": ProblemType(
        400, "The `cursor` of a list is not a `next_cursor` that list gave; start again without it."
    ),
    "client-disconnected": ProblemType(400, "The client went away before its request body arrived."),
    "http-error": ProblemType(None, "An HTTP error without a more precise type; the status says which."),
    # -- OAuth (RFC 6749, RFC 8628), with OAuth's `error` member too -------------------------------
    "oauth-invalid-request": ProblemType(400, "The token request is missing or repeats a parameter."),
    "oauth-invalid-grant": ProblemType(400, "The credentials, code or refresh token are not valid."),
    "oauth-invalid-scope": ProblemType(400, "A scope asked for is not one this client may have."),
    "oauth-unsupported-grant-type": ProblemType(
        400, "The grant type is not one the gateway issues tokens for."
    ),
    "oauth-authorization-pending": ProblemType(400, "The device's pairing is not approved yet; poll again."),
    "oauth-slow-down": ProblemType(400, "The device polls too often; `interval` is the new delay."),
    "oauth-access-denied": ProblemType(400, "An operator refused the device's pairing."),
    "oauth-expired-token": ProblemType(400, "The pairing code expired; start the pairing again."),
    "oauth-invalid-client": ProblemType(401, "The client credentials are wrong."),
    # -- who may do what ---------------------------------------------------------------------------
    "unauthorized": ProblemType(401, "No bearer token, or an expired, forged or foreign one."),
    "forbidden": ProblemType(403, "The token's scopes, stations or device binding do not allow this."),
    "other-carrier": ProblemType(
        403, "A courier account deposits and takes back its own carrier's parcels only."
    ),
    "shared-by-stations": ProblemType(
        403,
        "Vehicle-sharing systems, vehicle types and pricing plans serve every station: the network's administrators change them.",
    ),
    "wrong-code": ProblemType(403, "The keypad code is wrong; the answer says how many tries are left."),
    "presence-required": ProblemType(
        403, "Opening from the phone needs the code shown on the bank's screen."
    ),
    "presence-code": ProblemType(403, "The code from the bank's screen is wrong or too old."),
    # -- not found -----------------------------------------------------------------------------------
    "not-found": ProblemType(404, "No such resource, or no such path."),
    "unknown-station": ProblemType(404, "The station is not served here."),
    "unknown-screen": ProblemType(404, "The station has no screen with this code."),
    "unknown-device": ProblemType(404, "No such device client."),
    "unknown-account": ProblemType(404, "No such staff account."),
    "unknown-session": ProblemType(404, "No such sign-in of the caller."),
    "unknown-bank": ProblemType(404, "The station has no locker bank with this code."),
    "unknown-parcel": ProblemType(404, "The station has no such parcel."),
    "unknown-media": ProblemType(404, "The station has no media with this hash."),
    "unknown-content": ProblemType(404, "The station has no such content."),
    "unknown-playlist": ProblemType(404, "The station has no playlist with this code."),
    "unknown-schedule": ProblemType(404, "The station has no schedule with this code."),
    "unknown-layout": ProblemType(404, "The station has no layout with this code."),
    "unknown-alert": ProblemType(404, "The station has no such alert."),
    "unknown-event": ProblemType(404, "The station's agenda has no event with this code."),
    "unknown-exhibition": ProblemType(404, "No exhibition with this code visits the station."),
    "unknown-visit": ProblemType(404, "The exhibition has no such visit of the station."),
    "unknown-work": ProblemType(404, "The exhibition has no such work shown at the station now."),
    "unknown-place": ProblemType(404, "The station's graph has no place with this code."),
    "unknown-exit": ProblemType(404, "The station's graph has no exit with this code."),
    "unknown-destination": ProblemType(404, "The exit leads to nothing with this code."),
    "unknown-system": ProblemType(404, "No vehicle-sharing system with this id."),
    "unknown-pricing-plan": ProblemType(404, "No pricing plan with this id."),
    "unknown-vehicle-type": ProblemType(404, "No vehicle type with this id."),
    "unknown-vehicle-station": ProblemType(404, "The station has no vehicle station with this id."),
    "unknown-vehicle": ProblemType(404, "The station has no free-floating vehicle with this id."),
    "unknown-departure-source": ProblemType(404, "The station has no departure source with this code."),
    "unknown-disruption-rule": ProblemType(404, "The station has no disruption rule with this code."),
    "unknown-disruption": ProblemType(404, "The station has no disruption with this id."),
    "none-within-reach": ProblemType(
        404, "Nothing of that kind can be reached from the place with that profile."
    ),
    "pairing-code-unknown": ProblemType(404, "No device is waiting with this pairing code."),
    "method-not-allowed": ProblemType(405, "The path has no such method; `Allow` lists those it has."),
    # -- conflicts -------------------------------------------------------------------------------------
    "conflict": ProblemType(409, "A duplicate, or a concurrent change won."),
    "visit-closed": ProblemType(409, "The visit is over, removed from the tour, or its exhibition retired."),
    "stale-report": ProblemType(409, "A newer availability report is already recorded."),
    "compartment-busy": ProblemType(409, "A parcel is in, or reserved for, the compartment."),
    "compartment-changed": ProblemType(409, "The compartment's state changed meanwhile; read it again."),
    "duplicate-bank-code": ProblemType(409, "The station has a locker bank with this code."),
    "duplicate-reference": ProblemType(409, "The carrier's reference is already used for another parcel."),
    "bank-in-use": ProblemType(409, "The locker bank still holds parcels."),
    "no-controller": ProblemType(409, "The locker bank has no controller to open its doors."),
    "door-busy": ProblemType(409, "The parcel's door is already being opened."),
    "door-not-open": ProblemType(409, "No door is open for this parcel."),
    "parcel-status": ProblemType(409, "The parcel's status does not allow this now."),
    "sizes-full": ProblemType(409, "No free compartment of a fitting size."),
    "screen-code-taken": ProblemType(409, "The station has a screen with this code."),
    "device-already-bound": ProblemType(409, "The screen is already bound to another device."),
    "playlist-name-taken": ProblemType(409, "The station has a playlist with this name."),
    "default-playlist-taken": ProblemType(409, "The station already has a default playlist."),
    "schedule-code-taken": ProblemType(409, "The station has a schedule with this code."),
    "event-code-taken": ProblemType(409, "The station's agenda has an event with this code."),
    "content-in-use": ProblemType(409, "A playlist still shows this content."),
    "playlist-in-use": ProblemType(409, "A schedule still plays this playlist."),
    "layout-in-use": ProblemType(409, "A screen or a schedule still shows this layout."),
    "layout-code-taken": ProblemType(
        409, "The station has a layout (or a built-in template) with this code."
    ),
    "layout-builtin": ProblemType(
        409, "A built-in template cannot be changed or deleted; copy it under a new code."
    ),
    "system-in-use": ProblemType(409, "Vehicle stations, vehicles or types still belong to this system."),
    "vehicle-type-in-use": ProblemType(409, "Vehicles are still of this type."),
    "pricing-plan-in-use": ProblemType(409, "Vehicle types still use this pricing plan."),
    "pairing-code-used": ProblemType(409, "The pairing code was already claimed or refused."),
    "pairing-kind-mismatch": ProblemType(
        409, "The device asked for another kind's scope than the one approved."
    ),
    "device-binding-taken": ProblemType(409, "Another active device serves that screen or bank."),
    "device-unpaired": ProblemType(409, "The device is unpaired."),
    "username-taken": ProblemType(409, "A staff account with that username exists."),
    "disruption-cleared": ProblemType(
        409, "Its source cleared the disruption, or it expired; nothing to change."
    ),
    # -- size, type, range -----------------------------------------------------------------------------
    "payload-too-large": ProblemType(413, "The body is over the limit (1 MiB by default)."),
    "uri-too-long": ProblemType(414, "The path or the query is longer than the server accepts."),
    "unsupported-media-type": ProblemType(
        415, "A body that is not `application/json` where JSON is expected."
    ),
    "range-not-satisfiable": ProblemType(416, "The byte range asked for is outside the media."),
    "validation-error": ProblemType(422, "Fields are wrong; `errors` lists each one."),
    "unsupported-media": ProblemType(422, "The upload is empty or not a kind of media screens play."),
    "sms-refused": ProblemType(422, "The text-message provider refused the phone number for good."),
    "rate-limited": ProblemType(429, "Too many requests; wait `Retry-After` seconds."),
    "too-many-streams": ProblemType(
        429,
        "This client already holds its share of the service's event streams; close one, or wait `Retry-After`.",
    ),
    "keypad-locked": ProblemType(
        429, "Too many wrong codes; the keypad is locked for a while (`Retry-After`)."
    ),
    "presence-locked": ProblemType(
        429,
        "Too many wrong bank-screen codes for this parcel; opening it from the phone waits (`Retry-After`).",
    ),
    "request-header-too-large": ProblemType(
        431, "The request's header section is larger than the server accepts."
    ),
    # -- the station's side -------------------------------------------------------------------------------
    "internal-error": ProblemType(500, "A bug; it is logged with the request id."),
    "internal": ProblemType(500, "A NATS request failed inside the service; retry later."),
    "door-jammed": ProblemType(502, "The locker controller could not open the door."),
    "upstream-unavailable": ProblemType(
        503, "The service behind the gateway is not reachable (`Retry-After`)."
    ),
    "upstream-busy": ProblemType(503, "The service has as many requests in flight as the gateway allows."),
    "unavailable": ProblemType(
        503, "What this needs (the unlock store, say) is away for a moment; retry later."
    ),
    "auth-store-unavailable": ProblemType(503, "Sign-in codes and pairings cannot be checked for a moment."),
    "notifier-unavailable": ProblemType(503, "The text-message provider could not be reached; try again."),
    "upstream-timeout": ProblemType(504, "The service behind the gateway did not answer in time."),
    "controller-timeout": ProblemType(504, "The locker controller did not answer in time."),
}
