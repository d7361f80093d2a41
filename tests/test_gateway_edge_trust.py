"""Trust at the gateway's seams, through a real stack: the token reaches the operations that need
one, every answer carries the security headers, no absolute URL comes from the request's Host,
the HTTP server's own refusals are problems, and every problem type resolves to a page."""

from __future__ import annotations

import json
import re
import socket
import uuid
from urllib.parse import urlsplit

import httpx
import pytest

from kernel.errors import problem_type
from kernel.http_server import MAX_HEADER_BYTES, MAX_REQUEST_TARGET_BYTES
from kernel.problems import PROBLEM_TYPES
from testkit.stack import SAINT_DENIS, VILLEJUIF, assert_problem, bearer, eventually
from tests.test_lockers_flows import answering_controller, deposit, new_phone, sms_to, wait_status

pytestmark = pytest.mark.e2e
SIGNAGE = f"/api/v1/stations/{SAINT_DENIS}/signage"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send bytes as they are (no client would send these) and read the whole answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def as_response(answer: bytes) -> httpx.Response:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = [(name, value) for name, _, value in (line.partition(": ") for line in lines)]
    return httpx.Response(int(status_line.split()[1]), headers=headers, content=body)


# -- the token goes where the operation needs one ------------------------------------------------


def test_the_operators_media_list_takes_their_token_and_a_media_file_stays_public(gateway, tokens):
    listed = httpx.get(f"{gateway}{SIGNAGE}/media", headers=bearer(tokens.operator()))
    assert listed.status_code == 200, listed.text
    assert_problem(httpx.get(f"{gateway}{SIGNAGE}/media"), 401, "unauthorized")
    body = listed.json()
    items = body["items"] if isinstance(body, dict) else body
    assert items, "the demo has media"
    media = httpx.get(f"{gateway}{SIGNAGE}/media/{items[0]['sha256']}")
    assert media.status_code == 200 and media.headers["x-content-type-options"] == "nosniff"
    # A file nobody has is the service's 404, not a token question.
    assert_problem(httpx.get(f"{gateway}{SIGNAGE}/media/{'0' * 64}"), 404)


# -- headers on every kind of answer -----------------------------------------------------------------


def route_classes(gateway: str, operator: str) -> dict[str, httpx.Response]:
    return {
        "health": httpx.get(f"{gateway}/healthz"),
        "jwks": httpx.get(f"{gateway}/.well-known/jwks.json"),
        "gateway problem": httpx.post(f"{gateway}/auth/token", data={"grant_type": "nothing"}),
        "gateway 404": httpx.get(f"{gateway}/nowhere"),
        "edge problem": httpx.get(f"{gateway}/api/v1/stations/{SAINT_DENIS}/kiosk/%00"),
        "public read": httpx.get(f"{gateway}/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations"),
        "token read": httpx.get(
            f"{gateway}/api/v1/stations/{SAINT_DENIS}/lockers/banks", headers=bearer(operator)
        ),
        "no token": httpx.get(f"{gateway}/api/v1/stations/{SAINT_DENIS}/lockers/banks"),
        "service problem": httpx.get(
            f"{gateway}/api/v1/stations/{SAINT_DENIS}/lockers/banks/NOPE", headers=bearer(operator)
        ),
        "gbfs": httpx.get(f"{gateway}/gbfs/{SAINT_DENIS}/gbfs.json"),
        "openapi": httpx.get(f"{gateway}/openapi.json"),
        "docs": httpx.get(f"{gateway}/docs"),
        "web client": httpx.get(f"{gateway}/app/"),
        "problem page": httpx.get(f"{gateway}/problems/not-found"),
        "server refusal": httpx.get(f"{gateway}/healthz?{'q' * (MAX_REQUEST_TARGET_BYTES + 1)}"),
    }


def test_every_kind_of_answer_says_nosniff_once_and_no_hsts_over_plain_http(gateway, tokens):
    for name, response in route_classes(gateway, tokens.operator()).items():
        assert response.headers.get_list("x-content-type-options") == ["nosniff"], name
        assert "strict-transport-security" not in response.headers, name


def test_the_docs_page_has_a_csp_that_lets_its_own_script_run(gateway):
    docs = httpx.get(f"{gateway}/docs")
    csp = docs.headers["content-security-policy"]
    assert (
        "default-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
    )
    assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/=]+'", csp)


def test_a_client_cannot_claim_https_to_a_gateway_that_trusts_no_proxy(gateway):
    claimed = httpx.get(f"{gateway}/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in claimed.headers


def test_hsts_when_a_trusted_proxy_says_https_or_the_public_url_is_https(stack):
    behind_proxy, proxied_url = stack.start_extra_gateway(
        "gateway-behind-proxy", {"TRUSTED_PROXIES": "127.0.0.1/32"}
    )
    public_https, https_url = stack.start_extra_gateway(
        "gateway-public-https", {"PUBLIC_URL": "https://sdp.stations.example.org"}
    )
    try:
        over_https = httpx.get(f"{proxied_url}/healthz", headers={"X-Forwarded-Proto": "https"})
        assert over_https.headers["strict-transport-security"].startswith("max-age=")
        assert "strict-transport-security" not in httpx.get(f"{proxied_url}/healthz").headers
        for path in ("/healthz", f"/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations", "/nowhere"):
            assert "strict-transport-security" in httpx.get(f"{https_url}{path}").headers, path
        # The OAuth metadata names the public URL, whatever Host the request came with.
        metadata = httpx.get(f"{https_url}/.well-known/oauth-authorization-server", headers=FORGED).json()
        assert metadata["token_endpoint"] == "https://sdp.stations.example.org/auth/token"
    finally:
        behind_proxy.stop()
        public_https.stop()


# -- absolute URLs from the public URL, never from Host ----------------------------------------------------


def test_a_forged_host_changes_no_absolute_url(gateway, stack):
    assert stack.gateway_url == gateway  # the runner gives every component the gateway's URL
    pair = httpx.get(f"{gateway}/console/pair", headers=FORGED)
    assert pair.status_code == 308 and pair.headers["location"] == "/console/pair/"

    metadata = httpx.get(f"{gateway}/.well-known/oauth-authorization-server", headers=FORGED).json()
    urls = [v for v in metadata.values() if isinstance(v, str) and "://" in v]
    # The issuer is the gateway's public URL itself; every endpoint is below it.
    assert urls and all(u == gateway or u.startswith(f"{gateway}/") for u in urls), metadata

    started = httpx.post(f"{gateway}/auth/device_authorization", headers=FORGED)
    assert started.status_code == 200, started.text
    assert started.json()["verification_uri"] == f"{gateway}/console/pair"
    assert started.json()["verification_uri_complete"].startswith(f"{gateway}/console/pair?user_code=")

    qr = httpx.get(
        f"{gateway}/api/v1/stations/{VILLEJUIF}/kiosk/route/qr",
        params={"from": "exit-bd-maxime-gorki", "to": "quai-15-b"},
        headers=FORGED,
    )
    assert qr.status_code == 200, qr.text
    assert qr.headers["x-route-link"].startswith(f"{gateway}/app/#/route?station={VILLEJUIF}")

    gbfs = httpx.get(f"{gateway}/gbfs/{SAINT_DENIS}/gbfs.json", headers=FORGED).json()
    feeds = gbfs["data"]["feeds"]
    assert feeds and all(f["url"].startswith(f"{gateway}/gbfs/{SAINT_DENIS}/") for f in feeds)


def test_the_parcel_sms_links_to_the_stacks_gateway_and_says_paris_time(stack, gateway, tokens):
    answering_controller(stack)
    phone = new_phone()
    parcel = deposit(gateway, tokens.courier(), phone, f"EDGE-{uuid.uuid4().hex[:8]}")
    wait_status(gateway, tokens.operator(), parcel["id"], "ready")
    text, _ = eventually(lambda: sms_to(gateway, phone), timeout=10)
    assert text.endswith(f"{gateway}/app/#/parcels"), text
    assert "(heure de Paris)" in text and "UTC" not in text and "127.0.0.1:8080" not in text


# -- the HTTP server's own refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize("component", ["gateway", "bike_share"])
def test_a_100_kb_query_is_a_414_problem(stack, component):
    # On the wire: httpx itself refuses URLs over 64 KiB.
    request = b"GET /healthz?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: station\r\n\r\n"
    answer = as_response(raw_exchange(stack.url(component), request))
    body = assert_problem(answer, 414, "uri-too-long")
    assert str(MAX_REQUEST_TARGET_BYTES) in body["detail"]


def test_a_query_just_within_the_limit_is_served(gateway):
    path = f"/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations?limit=5&x="
    target = path + "a" * (MAX_REQUEST_TARGET_BYTES - len(path))
    assert httpx.get(f"{gateway}{target}").status_code == 200


def test_huge_headers_and_broken_http_are_problems_too(gateway):
    big = httpx.get(f"{gateway}/healthz", headers={"X-Big": "a" * (MAX_HEADER_BYTES + 1)})
    assert_problem(big, 431, "request-header-too-large")
    many = httpx.get(f"{gateway}/healthz", headers={f"X-H{i}": "a" * 40 for i in range(1000)})
    assert_problem(many, 431, "request-header-too-large")
    for garbage in (b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"):
        broken = as_response(raw_exchange(gateway, garbage))
        assert broken.status_code == 400 and broken.headers["content-type"] == "application/problem+json"
        body = json.loads(broken.content)
        assert (
            body["type"] == "/problems/bad-http-request"
            and body["request_id"] == broken.headers["x-request-id"]
        )


# -- problem types resolve ---------------------------------------------------------------------------------------


def test_every_problem_type_resolves_at_the_gateway(gateway):
    for slug in PROBLEM_TYPES:
        page = httpx.get(f"{gateway}{problem_type(slug)}")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), slug
    # The type of a real problem, resolved against the URL that answered it, is a page.
    problem = httpx.get(f"{gateway}/api/v1/stations/{SAINT_DENIS}/lockers/banks")
    resolved = httpx.get(str(httpx.URL(f"{gateway}/x").join(problem.json()["type"])))
    assert resolved.status_code == 200 and "unauthorized" in resolved.text


def test_problem_pages_stay_reachable_when_the_client_is_rate_limited(stack):
    process, url = stack.start_extra_gateway(
        "gateway-tight-anonymous",
        # Buckets of its own: the stack's gateway shares Redis and must not inherit the empty one.
        {
            "RATE_LIMIT_ANONYMOUS__PER_SECOND": "0.01",
            "RATE_LIMIT_ANONYMOUS__BURST": "1",
            "RATE_LIMIT_NAMESPACE": f"tight{uuid.uuid4().hex[:8]}",
        },
    )
    try:
        read = f"{url}/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations"

        def refused() -> httpx.Response | None:
            answer = httpx.get(read)
            return answer if answer.status_code == 429 else None

        limited, _ = eventually(refused, timeout=10, interval=0.05)
        assert httpx.get(f"{url}{limited.json()['type']}").status_code == 200
    finally:
        process.stop()
