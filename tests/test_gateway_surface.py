"""What the gateway serves itself: the station directory, the API docs without internet, the web clients."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from deploy.embedded.stack import CATALOG_DIR
from kernel.catalog import load_catalog
from kernel.registry import SERVICES
from testkit.stack import SAINT_DENIS, VILLEJUIF, assert_problem

pytestmark = pytest.mark.e2e


def test_the_station_directory_lists_the_stations_served(gateway):
    response = httpx.get(f"{gateway}/api/v1/stations")
    assert response.status_code == 200
    stations = {s["slug"]: s for s in response.json()["items"]}
    catalog = {s.slug: s for s in load_catalog(CATALOG_DIR)}
    assert set(stations) == {SAINT_DENIS, VILLEJUIF}
    saint_denis = stations[SAINT_DENIS]
    assert saint_denis["name"] == catalog[SAINT_DENIS].name
    assert saint_denis["lines"] == catalog[SAINT_DENIS].lines
    assert (saint_denis["lat"], saint_denis["lon"]) == (catalog[SAINT_DENIS].lat, catalog[SAINT_DENIS].lon)
    assert {s["domain"]: s["href"] for s in saint_denis["services"]} == {
        s.domain: f"/api/v1/stations/{SAINT_DENIS}/{s.domain}" for s in SERVICES
    }
    # Every service it names answers there.
    mobility = next(s for s in saint_denis["services"] if s["domain"] == "mobility")
    assert mobility["public_reads"] is True
    assert httpx.get(f"{gateway}{mobility['href']}/vehicle-stations").status_code == 200


def test_the_directory_filters_by_line_and_revalidates(gateway):
    line = httpx.get(f"{gateway}/api/v1/stations/{SAINT_DENIS}").json()["lines"][0]  # "METRO 14"
    for asked in (line, line.split()[-1], line.lower()):
        on_line = httpx.get(f"{gateway}/api/v1/stations", params={"line": asked}).json()["items"]
        assert SAINT_DENIS in {s["slug"] for s in on_line}, asked
    assert httpx.get(f"{gateway}/api/v1/stations", params={"line": "Z9"}).json() == {
        "items": [],
        "next_cursor": None,
    }
    assert_problem(httpx.get(f"{gateway}/api/v1/stations", params={"line": "14; drop"}), 422)
    first = httpx.get(f"{gateway}/api/v1/stations")
    etag = first.headers["etag"]
    again = httpx.get(f"{gateway}/api/v1/stations", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_one_station_of_the_directory(gateway):
    station = httpx.get(f"{gateway}/api/v1/stations/{VILLEJUIF}")
    assert station.status_code == 200
    assert station.json()["slug"] == VILLEJUIF
    assert_problem(httpx.get(f"{gateway}/api/v1/stations/chatelet"), 404, "unknown-station")
    assert_problem(httpx.get(f"{gateway}/api/v1/stations/NOT_A_SLUG"), 422)


def test_the_directory_is_in_the_merged_openapi(gateway):
    paths = httpx.get(f"{gateway}/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/stations"]
    assert "get" in paths["/api/v1/stations/{station_id}"]


def test_docs_load_without_internet(gateway):
    page = httpx.get(f"{gateway}/docs")
    assert page.status_code == 200
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert references, page.text
    assert all(ref.startswith("/") for ref in references), references
    assert "cdn" not in page.text and "https://" not in page.text
    for ref in references:
        asset = httpx.get(f"{gateway}{ref}")
        assert asset.status_code == 200, ref
    script = httpx.get(f"{gateway}/docs/assets/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in script.text[:5000]
    assert script.headers["content-type"].startswith("text/javascript")


@pytest.fixture(scope="module")
def web_gateway(stack, tmp_path_factory):
    """A gateway serving placeholder web clients from a temporary folder."""
    web = tmp_path_factory.mktemp("web")
    for name in ("app", "kiosk", "player", "console", "common"):
        (web / name).mkdir()
        (web / name / "index.html").write_text(f"<!doctype html><title>{name}</title>", encoding="utf-8")
    (web / "app" / "app.js").write_text("console.log('app');\n")
    (web / "app" / "style.css").write_text("body{}\n")
    (web / "app" / "manifest.webmanifest").write_text("{}\n")
    (web / "common" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (web / "player" / "sw.js").write_text("self.addEventListener('fetch', () => {});\n")
    (web / "app" / "sub").mkdir()
    (web / "app" / "sub" / "index.html").write_text("<!doctype html><title>sub</title>")
    (web / "secret.txt").write_text("outside every client")
    process, url = stack.start_extra_gateway("gateway-web", {"WEB_DIR": str(web)})
    yield url, web
    process.stop()


@pytest.mark.parametrize("name", ["app", "kiosk", "player", "console", "common"])
def test_each_web_client_is_served_from_its_folder(web_gateway, name):
    url, _ = web_gateway
    page = httpx.get(f"{url}/{name}/")
    assert page.status_code == 200
    assert f"<title>{name}</title>" in page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert ("service-worker-allowed" in page.headers) is (name == "player")
    # The folder without its slash: a redirect that stays on the gateway.
    bare = httpx.get(f"{url}/{name}")
    assert bare.status_code == 308 and bare.headers["location"] == f"/{name}/"


def test_web_files_have_their_types_and_revalidate(web_gateway):
    url, _ = web_gateway
    types = {
        "/app/app.js": ("text/javascript", "no-cache"),
        "/app/style.css": ("text/css", "no-cache"),
        "/app/manifest.webmanifest": ("application/manifest+json", "no-cache"),
        "/common/logo.svg": ("image/svg+xml", "public, max-age=3600"),
        "/app/sub/": ("text/html", "no-cache"),
    }
    for path, (content_type, cache_control) in types.items():
        response = httpx.get(f"{url}{path}")
        assert response.status_code == 200, path
        assert response.headers["content-type"].split(";")[0] == content_type, path
        assert response.headers["cache-control"] == cache_control, path
        etag = response.headers["etag"]
        unchanged = httpx.get(f"{url}{path}", headers={"If-None-Match": etag})
        assert unchanged.status_code == 304, path
        assert unchanged.headers["x-content-type-options"] == "nosniff"
    player_sw = httpx.get(f"{url}/player/sw.js")
    assert player_sw.headers["service-worker-allowed"] == "/player/"


def test_an_edited_file_gets_a_new_etag(web_gateway):
    url, web = web_gateway
    before = httpx.get(f"{url}/kiosk/").headers["etag"]
    (web / "kiosk" / "index.html").write_text("<!doctype html><title>kiosk v2</title>", encoding="utf-8")
    after = httpx.get(f"{url}/kiosk/", headers={"If-None-Match": before})
    assert after.status_code == 200 and "kiosk v2" in after.text
    assert after.headers["etag"] != before


@pytest.mark.parametrize(
    "path",
    [
        "/app/missing.js",
        "/kiosk/nothing/here.html",
        "/common/../secret.txt",
        "/app/%2e%2e/secret.txt",
        "/app/..%2Fsecret.txt",
        "/player/%00.js",
    ],
)
def test_missing_files_and_traversal_are_problems(web_gateway, path):
    url, _ = web_gateway
    from tests.test_gateway_paths import raw_request

    response = raw_request(url, "GET", path)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert_problem(response, response.status_code)
    assert "outside every client" not in response.text


def test_web_clients_do_not_accept_writes(web_gateway):
    url, _ = web_gateway
    response = httpx.post(f"{url}/app/index.html", content=b"x")
    assert_problem(response, 405)


def test_no_web_folder_means_404_not_a_crash(gateway):
    # The test stack's gateway serves the repository's web/, where web/console/ does not exist yet
    # and no file has this name.
    assert_problem(httpx.get(f"{gateway}/console/{uuid.uuid4().hex}.html"), 404)
