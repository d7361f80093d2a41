"""The shared layer (web/common) in Chromium, module by module, on a page of the real gateway:
languages and dates, safe DOM building, the API client's problems and conditional requests, the
Server-Sent Events client. Each test imports the modules the way a page does."""

from __future__ import annotations

import secrets

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Request, Response, Route, expect

from testkit.stack import SAINT_DENIS, eventually
from tests.browser.conftest import PageErrors, new_context

pytestmark = pytest.mark.e2e


@pytest.fixture
def blank(page: Page) -> Page:
    """A page of the gateway's origin, so that modules and API calls are same-origin."""
    page.goto("/app/")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    return page


def test_language_negotiation_follows_bcp47_with_the_station_fallback(blank: Page) -> None:
    result = blank.evaluate(
        """async () => {
            const { negotiate, fallbackChain, direction } = await import('/common/i18n.js');
            return {
                frCA: negotiate(['fr-CA', 'en'], ['fr', 'en']),
                enGB: negotiate(['en-GB'], ['fr', 'en', 'ar']),
                spanish: negotiate(['es-ES'], ['fr', 'en']),
                chinese: negotiate(['zh-Hant-TW'], ['fr', 'zh']),
                portuguese: negotiate(['pt-BR', 'de'], ['fr', 'de', 'pt']),
                junk: negotiate(['not a tag', ''], ['fr', 'en']),
                chain: fallbackChain(['fr-CA']),
                rtl: ['ar', 'ar-MA', 'fa', 'he', 'fr', 'zh'].map(direction),
            };
        }"""
    )
    assert result["frCA"] == "fr"
    assert result["enGB"] == "en"
    assert result["spanish"] == "fr"  # not translated: the station's language
    assert result["chinese"] == "zh"
    assert result["portuguese"] == "pt"
    assert result["junk"] == "fr"
    assert result["chain"] == ["fr-CA", "fr", "en"]
    assert result["rtl"] == ["rtl", "rtl", "rtl", "rtl", "ltr", "ltr"]


def test_messages_merge_by_source_fall_back_and_pick_plural_forms(
    blank: Page, page_errors: PageErrors
) -> None:
    page_errors.expect('no message for "no.such.key"')  # asked for on purpose below
    result = blank.evaluate(
        """async () => {
            const { I18n } = await import('/common/i18n.js');
            const i18n = new I18n();
            await i18n.start({ supported: ['fr', 'en', 'ar'], storageKey: null, requested: 'ar' });
            i18n.addMessages('fr', { only_fr: 'seulement {what}', parcels: { one: '{count} colis', other: '{count} colis' } });
            i18n.addMessages('ar', { parcels: { zero: 'zero {count}', one: 'one', two: 'two', few: 'few {count}', many: 'many {count}', other: 'other {count}' } });
            const arabic = [0, 1, 2, 3, 11, 100].map((count) => i18n.t('parcels', { count }));
            const fallback = i18n.t('only_fr', { what: 'ici' });
            const common = i18n.t('common.retry');
            const missing = i18n.t('no.such.key');
            await i18n.setLocale('fr', { persist: false });
            const digits = [0, 3, 11, 100].map((n) => new Intl.NumberFormat('ar').format(n));
            return { arabic, digits, fallback, common, missing, french: i18n.t('parcels', { count: 2 }), lang: document.documentElement.lang };
        }"""
    )
    zero, three, eleven, hundred = result["digits"]  # numbers written the Arabic way
    assert result["arabic"] == [
        f"zero {zero}",
        "one",
        "two",
        f"few {three}",
        f"many {eleven}",
        f"other {hundred}",
    ]
    assert result["fallback"] == "seulement ici"  # missing in Arabic: French, the station's language
    assert result["common"] == "أعد المحاولة"  # the shared dictionary, loaded for Arabic
    assert result["missing"] == "no.such.key"
    assert result["french"] == "2 colis"
    assert result["lang"] == "fr"


def test_dates_and_times_are_in_paris_time_across_daylight_saving_wherever_the_device_is(
    browser, web: str, page_errors
) -> None:
    context = new_context(browser, web, timezone_id="America/New_York")
    page = page_errors.watch(context.new_page())
    page.goto("/app/")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    result = page.evaluate(
        """async () => {
            const { I18n } = await import('/common/i18n.js');
            const i18n = new I18n();
            await i18n.start({ supported: ['fr', 'en'], storageKey: null, requested: 'fr' });
            const times = ['2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z', '2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z']
                .map((t) => i18n.formatTime(t));
            const date = i18n.formatDate('2026-12-31T23:30:00Z', { dateStyle: 'full' });
            const relative = i18n.formatRelative(Date.now() + 5 * 60000);
            const distance = [i18n.formatDistance(352), i18n.formatDistance(1234)];
            const duration = [i18n.formatDuration(240), i18n.formatDuration(3900)];
            return { times, date, relative, distance, duration };
        }"""
    )
    context.close()
    # Both daylight-saving changes of 2026 (29 March, 25 October), whatever the device's own zone.
    assert result["times"] == ["01:30", "03:30", "02:30", "02:30"]
    assert result["date"] == "vendredi 1 janvier 2027"
    assert result["relative"] == "dans 5 minutes"
    assert [d.replace("\u202f", " ").replace("\xa0", " ") for d in result["distance"]] == ["350 m", "1,2 km"]
    assert [d.replace("\u202f", " ").replace("\xa0", " ") for d in result["duration"]] == [
        "4 min",
        "1 h 5 min",
    ]


def test_static_html_is_translated_from_data_attributes(blank: Page) -> None:
    result = blank.evaluate(
        """async () => {
            const { I18n } = await import('/common/i18n.js');
            const i18n = new I18n();
            await i18n.start({ supported: ['fr', 'en'], storageKey: null, requested: 'en' });
            const box = document.createElement('div');
            box.innerHTML = '<button data-i18n="common.retry" data-i18n-attr="title:common.close; aria-label:common.cancel">x</button>';
            i18n.translate(box);
            const b = box.firstChild;
            return [b.textContent, b.title, b.getAttribute('aria-label')];
        }"""
    )
    assert result == ["Try again", "Close", "Cancel"]


def test_the_dom_helper_never_turns_data_into_markup_or_script(blank: Page) -> None:
    result = blank.evaluate(
        """async () => {
            const { h, svg, safeUrl } = await import('/common/dom.js');
            const evil = '<img src=x onerror="window.__pwned = 1">';
            const p = h('p', { title: evil, class: ['a', false, 'b'], dataset: { name: evil } }, evil, 42, null, ['x', 'y']);
            const link = h('a', { href: 'javascript:window.__pwned = 1' }, 'go');
            const data = h('img', { src: 'data:text/html;base64,PHNjcmlwdD4=' });
            const refused = [];
            for (const props of [{ onclick: 'alert(1)' }, { innerHTML: evil }, { style: 'color: red' }]) {
                try { h('div', props); } catch (e) { refused.push(e.constructor.name); }
            }
            let clicked = 0;
            const button = h('button', { onClick: () => { clicked += 1; } }, 'ok');
            button.click();
            const icon = svg('svg', { viewBox: '0 0 24 24' }, svg('path', { d: 'M0 0h1' }));
            return {
                text: p.textContent, children: p.children.length, title: p.title, classes: p.className,
                dataName: p.dataset.name, href: link.getAttribute('href'), src: data.getAttribute('src'),
                refused, clicked, svgNs: icon.namespaceURI, pathNs: icon.firstChild.namespaceURI,
                relative: safeUrl('#/parcels'), tel: safeUrl('tel:+33612345678'), vb: safeUrl('vbscript:x'),
                pwned: window.__pwned ?? 0,
            };
        }"""
    )
    assert result["text"] == '<img src=x onerror="window.__pwned = 1">42xy'
    assert result["children"] == 0
    assert result["title"] == '<img src=x onerror="window.__pwned = 1">'
    assert result["classes"] == "a b"
    assert result["href"] == "#"
    assert result["src"] == "#"
    assert result["refused"] == ["TypeError", "TypeError", "TypeError"]
    assert result["clicked"] == 1
    assert result["svgNs"] == result["pathNs"] == "http://www.w3.org/2000/svg"
    assert (result["relative"], result["tel"], result["vb"]) == ("#/parcels", "tel:+33612345678", "#")
    assert result["pwned"] == 0


def test_a_problem_answer_becomes_an_api_error_with_its_fields_and_request_id(blank: Page) -> None:
    sent: list[str] = []

    def record_request_id(request: Request) -> None:
        if "/api/v1/stations/no-such" in request.url:
            sent.append(request.headers["x-request-id"])

    blank.on("request", record_request_id)
    error = blank.evaluate(
        """async () => {
            const { Api, ApiError } = await import('/common/api.js');
            try {
                await new Api().get('/api/v1/stations/no-such-station');
            } catch (e) {
                return { isApiError: e instanceof ApiError, status: e.status, slug: e.slug, title: e.title,
                         detail: e.detail, requestId: e.requestId, instance: e.instance, message: e.message };
            }
        }"""
    )
    assert error["isApiError"] and error["status"] == 404
    assert error["slug"] == "unknown-station"
    assert "no-such-station" in error["detail"] and error["message"] == error["detail"]
    assert error["requestId"] == sent[0]  # the id the page sent is the one the gateway logged

    fields = blank.evaluate(
        """async () => {
            const { Api } = await import('/common/api.js');
            try { await new Api().post('/auth/otp', { phone_number: 'nope' }); }
            catch (e) { return { status: e.status, slug: e.slug, fields: Object.fromEntries(e.fieldErrors()) }; }
        }"""
    )
    assert fields["status"] == 422 and fields["slug"] == "validation-error"
    assert "phone_number" in fields["fields"]


def test_no_answer_at_all_is_a_network_error_not_an_api_error(context: BrowserContext, blank: Page) -> None:
    context.route("**/api/v1/stations", lambda route: route.abort("connectionreset"))
    result = blank.evaluate(
        """async () => {
            const { Api, NetworkError } = await import('/common/api.js');
            try { await new Api().get('/api/v1/stations'); }
            catch (e) { return { network: e instanceof NetworkError, timeout: e.timeout }; }
        }"""
    )
    assert result == {"network": True, "timeout": False}


def test_conditional_gets_and_polling_send_the_etag_and_report_only_changes(blank: Page) -> None:
    statuses: list[int] = []

    def record_status(response: Response) -> None:
        if response.url.endswith("/api/v1/stations"):
            statuses.append(response.status)

    blank.on("response", record_status)
    result = blank.evaluate(
        """async () => {
            const { Api } = await import('/common/api.js');
            const api = new Api();
            const first = await api.conditionalGet('/api/v1/stations');
            const second = await api.conditionalGet('/api/v1/stations');
            let calls = 0;
            // Until the poller has asked twice: a loaded machine may take longer than its interval.
            let asked = 0;
            const fetchOnce = window.fetch.bind(window);
            window.fetch = (...args) => {
                if (String(args[0]).endsWith('/api/v1/stations')) asked += 1;
                return fetchOnce(...args);
            };
            await new Promise((resolve) => {
                const poll = api.poll('/api/v1/stations', {
                    interval: 50,
                    onData: () => { calls += 1; },
                });
                const started = Date.now();
                const check = setInterval(() => {
                    if (asked >= 2 || Date.now() - started > 10000) {
                        clearInterval(check);
                        setTimeout(() => { poll.stop(); resolve(); }, 100);
                    }
                }, 20);
            });
            return { first: first.changed, second: second.changed, same: first.data.items.length === second.data.items.length, etag: !!first.etag, calls };
        }"""
    )
    assert result["first"] is True and result["second"] is False and result["same"] and result["etag"]
    # The poller shares the client's ETag cache: the list is known, so it reports no change, and
    # every one of its requests was conditional and answered 304.
    assert result["calls"] == 0
    assert statuses[0] == 200 and set(statuses[1:]) == {304} and len(statuses) >= 4


def test_the_event_stream_parser_follows_the_whatwg_rules(blank: Page) -> None:
    events = blank.evaluate(
        """async () => {
            const { EventStreamParser } = await import('/common/sse.js');
            const parser = new EventStreamParser();
            const chunks = [': keep-alive\\r', '\\nid: 1\\r\\nevent: vehicles\\ndata: {"a"', ':1}\\n\\n',
                            'data: line one\\ndata:line two\\r\\rretry: 2500\\n', 'id: 7\\ndata\\n\\nid\\n\\n',
                            'data: after empty id\\n\\n', 'data: incomplete'];
            const out = chunks.flatMap((c) => parser.push(c));
            return { out, retry: parser.retry };
        }"""
    )
    assert events["out"] == [
        {"type": "vehicles", "data": '{"a":1}', "id": "1"},
        {"type": "message", "data": "line one\nline two", "id": "1"},
        {"type": "message", "data": "", "id": "7"},
        {"type": "message", "data": "after empty id", "id": ""},
    ]
    assert events["retry"] == 2500


def test_the_event_stream_reconnects_and_resumes_from_the_last_event_id(
    context: BrowserContext, blank: Page
) -> None:
    # A stand-in for a service's stream: each connection sends the next two events, then ends
    # (like a restarting service); the client must come back with Last-Event-ID.
    seen_ids: list[str | None] = []

    def stream(route: Route) -> None:
        last = route.request.headers.get("last-event-id")
        seen_ids.append(last)
        start = int(last or 0)
        if start >= 4:
            route.fulfill(status=204)
            return
        body = "retry: 50\n\n" + "".join(
            f'id: {n}\nevent: tick\ndata: {{"n": {n}}}\n\n' for n in (start + 1, start + 2)
        )
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body)

    context.route("**/test/stream", stream)
    received = blank.evaluate(
        """async () => {
            const { EventStream } = await import('/common/sse.js');
            const got = [];
            const states = [];
            await new Promise((resolve) => {
                const events = new EventStream('/test/stream', { minRetryMs: 50, lastEventId: '' });
                events.on('tick', (event) => got.push(event.json().n));
                events.addEventListener('state', (e) => { states.push(e.detail); if (e.detail === 'closed') resolve(); });
                events.start();
            });
            return { got, states };
        }"""
    )
    assert received["got"] == [1, 2, 3, 4]
    assert seen_ids == [None, "2", "4"]
    assert received["states"][0] == "connecting" and received["states"][-1] == "closed"
    assert "reconnecting" in received["states"]


def test_the_station_directory_reads_lines_and_distances(blank: Page) -> None:
    result = blank.evaluate(
        f"""async () => {{
            const {{ parseLine, distanceMeters, StationDirectory, lineBadge }} = await import('/common/stations.js');
            const {{ Api }} = await import('/common/api.js');
            const directory = new StationDirectory({{ api: new Api(), storageKey: null, allow: (s) => s.slug === '{SAINT_DENIS}' }});
            await directory.load();
            const badge = lineBadge('METRO 14');
            return {{
                lines: ['METRO 14', 'RER B', 'T11', 'weird line'].map(parseLine),
                paris: Math.round(distanceMeters({{ lat: 48.8566, lon: 2.3522 }}, {{ lat: 48.9175, lon: 2.3465 }})),
                allowed: directory.stations.map((s) => s.slug),
                current: directory.currentSlug,
                badge: [badge.textContent, badge.getAttribute('aria-label'), badge.dataset.line],
            }};
        }}"""
    )
    assert result["lines"] == [
        {"mode": "metro", "code": "14"},
        {"mode": "rer", "code": "B"},
        {"mode": "other", "code": "T11"},
        {"mode": "other", "code": "weird line"},
    ]
    assert 6700 < result["paris"] < 6850  # Hôtel de Ville to Saint-Denis Pleyel
    assert result["allowed"] == [SAINT_DENIS]
    assert result["current"] == SAINT_DENIS  # the only station allowed is chosen
    assert result["badge"] == ["14", "Métro ligne 14", "14"]


def test_the_router_matches_views_with_parameters_and_builds_links(blank: Page) -> None:
    result = blank.evaluate(
        """async () => {
            const { Router, parseHash, hashFor } = await import('/common/router.js');
            const router = new Router({ outlet: document.createElement('div') });
            const view = (id, path) => ({ id, path, render() {} });
            router.register(view('home', '/')).register(view('parcels', '/parcels/:id?')).register(view('route', '/route/:from/:to'));
            const match = (path) => { const m = router.match(path); return m ? [m.view.id, m.params] : null; };
            let refused = null;
            try { router.register({ id: 'broken' }); } catch (e) { refused = e.constructor.name; }
            return {
                home: match('/'), list: match('/parcels'), one: match('/parcels/P%2042'), route: match('/route/a/b'),
                none: match('/route/a'), refused,
                parsed: parseHash('#/route/a/b?station=saint-denis-pleyel&step=2'), notRoute: parseHash('#main'),
                built: hashFor('/route', { station: 'x y', empty: '', none: null }),
            };
        }"""
    )
    assert result["home"] == ["home", {}]
    assert result["list"] == ["parcels", {"id": None}]
    assert result["one"] == ["parcels", {"id": "P 42"}]
    assert result["route"] == ["route", {"from": "a", "to": "b"}]
    assert result["none"] is None
    assert result["refused"] == "TypeError"
    assert result["parsed"] == {"path": "/route/a/b", "query": {"station": "saint-denis-pleyel", "step": "2"}}
    assert result["notRoute"] == {"path": "/", "query": {}}
    assert result["built"] == "#/route?station=x+y"


def test_a_page_pairs_as_a_device_with_the_code_an_operator_claims(blank: Page, web: str, tokens) -> None:
    # RFC 8628 as the player and kiosk pages use it: show a code, wait for an operator's claim.
    blank.evaluate(
        """() => {
            window.__pairing = import('/common/auth.js').then(({ Session }) => {
                const session = new Session({ storageKey: 'gare.session.test-player' });
                return session.pairDevice({ scope: 'signage:play', onCode: (started) => { window.__code = started.user_code; } })
                    .then((claims) => ({ claims, details: session.details, signedIn: session.signedIn }));
            });
        }"""
    )
    code, _ = eventually(lambda: blank.evaluate("window.__code"), timeout=10)
    binding = f"web-test-{secrets.token_hex(4)}"
    claimed = httpx.post(
        f"{web}/auth/devices/claim",
        json={"user_code": code, "station": SAINT_DENIS, "kind": "screen", "binding": binding},
        headers={"Authorization": f"Bearer {tokens.operator()}"},
        timeout=10,
    )
    assert claimed.status_code == 201, claimed.text
    paired = blank.evaluate("window.__pairing")
    assert paired["signedIn"]
    assert paired["claims"]["device_kind"] == "screen" and "signage:play" in paired["claims"]["scope"]
    assert paired["details"]["station"] == SAINT_DENIS and paired["details"]["device_binding"] == binding

    # A code an operator refuses ends the pairing with the gateway's access_denied.
    blank.evaluate(
        """() => {
            window.__code = null;
            window.__refused = import('/common/auth.js').then(({ Session }) =>
                new Session({ storageKey: 'gare.session.test-kiosk' })
                    .pairDevice({ scope: 'kiosk:display', onCode: (started) => { window.__code = started.user_code; } })
                    .then(() => 'paired', (error) => error.oauthError));
        }"""
    )
    code, _ = eventually(lambda: blank.evaluate("window.__code"), timeout=10)
    denied = httpx.post(
        f"{web}/auth/devices/deny",
        json={"user_code": code, "station": SAINT_DENIS},
        headers={"Authorization": f"Bearer {tokens.operator()}"},
        timeout=10,
    )
    assert denied.status_code == 204, denied.text
    assert blank.evaluate("window.__refused") == "access_denied"
