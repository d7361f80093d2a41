"""What passes between client and service: which headers, and redirects kept on the gateway."""

from __future__ import annotations

from gateway.proxy import behind_the_gateway, request_headers, response_headers

UPSTREAMS = (b"http://127.0.0.1:8104", b"http://10.0.0.5:8103")


def forwarded(headers, *, public=False):
    return request_headers(
        headers,
        public=public,
        client_ip="192.0.2.7",
        scheme="https",
        host=b"gare.example",
        request_id="rid-1",
    )


def test_the_service_gets_the_client_headers_and_the_gateways_own():
    out = forwarded(
        [
            (b"host", b"gare.example"),
            (b"accept", b"application/json"),
            (b"accept-language", b"fr"),
            (b"if-none-match", b'"abc"'),
            (b"authorization", b"Bearer t"),
        ]
    )
    assert out == [
        (b"accept", b"application/json"),
        (b"accept-language", b"fr"),
        (b"if-none-match", b'"abc"'),
        (b"authorization", b"Bearer t"),
        (b"x-forwarded-for", b"192.0.2.7"),
        (b"x-forwarded-proto", b"https"),
        (b"x-forwarded-host", b"gare.example"),
        (b"x-request-id", b"rid-1"),
    ]


def test_hop_by_hop_and_spoofable_headers_never_reach_the_service():
    out = dict(
        forwarded(
            [
                (b"connection", b"keep-alive, x-secret"),
                (b"x-secret", b"for this hop only"),
                (b"keep-alive", b"timeout=5"),
                (b"transfer-encoding", b"chunked"),
                (b"content-length", b"12"),
                (b"te", b"trailers"),
                (b"upgrade", b"websocket"),
                (b"proxy-authorization", b"Basic x"),
                (b"x-forwarded-for", b"10.9.9.9"),
                (b"forwarded", b"for=10.9.9.9"),
                (b"x-request-id", b"spoofed"),
                (b"accept", b"*/*"),
            ]
        )
    )
    assert out == {
        b"accept": b"*/*",
        b"x-forwarded-for": b"192.0.2.7",
        b"x-forwarded-proto": b"https",
        b"x-forwarded-host": b"gare.example",
        b"x-request-id": b"rid-1",
    }


def test_a_public_read_reaches_the_service_without_credentials():
    out = dict(
        forwarded([(b"authorization", b"Bearer t"), (b"cookie", b"s=1"), (b"accept", b"*/*")], public=True)
    )
    assert b"authorization" not in out and b"cookie" not in out
    assert out[b"accept"] == b"*/*"


def test_response_headers_keep_repeated_fields_and_drop_hop_by_hop_ones():
    out = response_headers(
        [
            (b"Content-Type", b"application/json"),
            (b"Vary", b"Accept-Language"),
            (b"Vary", b"Origin"),
            (b"ETag", b'"v1"'),
            (b"Connection", b"close, X-Internal"),
            (b"X-Internal", b"1"),
            (b"Transfer-Encoding", b"chunked"),
            (b"Content-Length", b"10"),
            (b"Server", b"uvicorn"),
            (b"Date", b"Thu, 26 Nov 2026 12:00:00 GMT"),
            (b"X-Request-ID", b"from-the-service"),
        ],
        upstream_origins=UPSTREAMS,
    )
    assert out == [
        (b"content-type", b"application/json"),
        (b"vary", b"Accept-Language"),
        (b"vary", b"Origin"),
        (b"etag", b'"v1"'),
    ]


def test_a_redirect_to_a_service_stays_on_the_gateway():
    out = response_headers(
        [(b"location", b"http://127.0.0.1:8104/api/v1/stations/x/kiosk/mobility?lang=fr")],
        upstream_origins=UPSTREAMS,
    )
    assert out == [(b"location", b"/api/v1/stations/x/kiosk/mobility?lang=fr")]


def test_only_a_services_own_origin_is_rewritten():
    assert behind_the_gateway(b"http://10.0.0.5:8103", UPSTREAMS) == b"/"
    assert behind_the_gateway(b"HTTP://127.0.0.1:8104/a", UPSTREAMS) == b"/a"
    assert behind_the_gateway(b"http://127.0.0.1:8104?x=1", UPSTREAMS) == b"/?x=1"
    # Another port on the same host, another site, a relative path: unchanged.
    assert behind_the_gateway(b"http://127.0.0.1:81045/a", UPSTREAMS) == b"http://127.0.0.1:81045/a"
    assert behind_the_gateway(b"https://idfm.example/map", UPSTREAMS) == b"https://idfm.example/map"
    assert behind_the_gateway(b"/already/relative", UPSTREAMS) == b"/already/relative"
    out = response_headers([(b"Content-Location", b"http://127.0.0.1:8104/x")], upstream_origins=UPSTREAMS)
    assert out == [(b"content-location", b"/x")]
