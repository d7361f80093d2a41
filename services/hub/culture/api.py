"""Culture at the hub, the routes (thin): curation of exhibitions, their artists, works and tour, the
media of works, the tour with each station's answer, and the reach of the works.

Every write reads the exhibition as the hub holds it, changes it, checks the whole against the rules
(`domain.validate_exhibition`) and publishes it whole on the config stream the stations mirror.
Curating needs `network:culture` (the culture team) or `network:admin`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kernel.auth import Principal
from kernel.contracts.culture import CODE_PATTERN, Artist, ExhibitionPublished, Visit, Work
from kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge, Problem, Unauthorized
from kernel.pagination import Page, PageRequest, page_of_items, page_request
from kernel.rules import FieldProblem
from services.hub.culture import domain
from services.hub.culture.schemas import (
    ArtistChange,
    ArtistIn,
    ExhibitionChange,
    ExhibitionIn,
    ExhibitionPublic,
    ExhibitionSummary,
    MediaPublic,
    ReachRowPublic,
    VisitIn,
    VisitStatePublic,
    WorkChange,
    WorkIn,
)
from services.hub.culture.store import MediaStore, Stored, publish_exhibition
from services.hub.feed import NetworkFeed
from services.hub.settings import HubSettings

CULTURE_SCOPES = frozenset({"network:culture", "network:admin"})
_bearer = HTTPBearer(auto_error=False)
router = APIRouter(tags=["culture"])
PREFIX = "/api/v1/network/exhibitions"


async def curator(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Unauthorized("Culture at the hub needs a bearer token with the network:culture scope.")
    principal = await request.app.state.verifier.verify(credentials.credentials)
    if not CULTURE_SCOPES & principal.scopes:
        raise Forbidden("Culture at the hub needs the network:culture (or network:admin) scope.")
    return principal


Curator = Annotated[Principal, Depends(curator)]


def get_feed(request: Request) -> NetworkFeed:
    return request.app.state.feed


FeedDep = Annotated[NetworkFeed, Depends(get_feed)]
Code = Annotated[str, Query(pattern=CODE_PATTERN)]


def media_store(request: Request) -> MediaStore:
    settings: HubSettings = request.app.state.settings
    return MediaStore(request.app.state.feed.jetstream(), replicas=settings.media_replicas)


def media_url(request: Request, name: str) -> str:
    settings: HubSettings = request.app.state.settings
    base = settings.public_url or str(request.base_url)
    return f"{base.rstrip('/')}/media/{name}"


# -- reading ---------------------------------------------------------------------------------------


def stored_or_404(feed: NetworkFeed, code: str) -> Stored:
    stored = feed.exhibitions.get(code)
    if stored is None:
        raise NotFound(f"No exhibition {code!r}.")
    return stored


def public(stored: Stored) -> ExhibitionPublic:
    return ExhibitionPublic(**stored.exhibition.model_dump(), revision=stored.revision)


def summary(stored: Stored) -> ExhibitionSummary:
    ex = stored.exhibition
    return ExhibitionSummary(
        code=ex.code,
        title=ex.title,
        retired=ex.retired,
        updated_at=ex.updated_at,
        artists=len(ex.artists),
        works=len(ex.works),
        visits=len(ex.tour),
        revision=stored.revision,
    )


# -- writing: the whole exhibition, checked and published ------------------------------------------


async def save(feed: NetworkFeed, exhibition: ExhibitionPublished, expected: int) -> ExhibitionPublic:
    running = {
        code: s.exhibition.tour
        for code, s in feed.exhibitions.items()
        if code != exhibition.code and not s.exhibition.retired
    }
    stations = [slug for slug, r in feed.directory.items() if not r.retired]
    problems = domain.validate_exhibition(exhibition, stations=stations, other_tours=running)
    if problems:
        raise InvalidInput.from_problems(
            f"Exhibition {exhibition.code!r} cannot be published as is.", problems
        )
    revision = await publish_exhibition(feed.jetstream(), exhibition, expected=expected)
    stored = Stored(exhibition, revision)
    feed.stored(stored)
    return public(stored)


async def change(
    feed: NetworkFeed, code: str, edit: Callable[[ExhibitionPublished], ExhibitionPublished]
) -> ExhibitionPublic:
    stored = stored_or_404(feed, code)
    changed = edit(stored.exhibition.model_copy(deep=True))
    changed.updated_at = datetime.now(UTC)
    return await save(feed, changed, stored.revision)


def _index(items: list, code: str, what: str) -> int:
    for i, item in enumerate(items):
        if item.code == code:
            return i
    raise NotFound(f"No {what} {code!r} in this exhibition.")


# -- exhibitions -----------------------------------------------------------------------------------


@router.post(PREFIX, status_code=201, summary="Curate a new exhibition")
async def create_exhibition(body: ExhibitionIn, feed: FeedDep, _: Curator) -> ExhibitionPublic:
    if body.code in feed.exhibitions:
        raise Conflict.taken(f"Exhibition {body.code!r} exists.", "code")
    exhibition = ExhibitionPublished(
        code=body.code,
        title=body.title,
        description=body.description,
        artists=[],
        works=[],
        tour=[],
        updated_at=datetime.now(UTC),
    )
    return await save(feed, exhibition, 0)


@router.get(PREFIX, summary="The exhibitions, by code")
async def list_exhibitions(
    feed: FeedDep,
    _: Curator,
    page: Annotated[PageRequest, Depends(page_request)],
    retired: Annotated[bool | None, Query(description="only retired (true) or running (false) ones")] = None,
    station: Annotated[str | None, Query(description="only those whose tour visits this station")] = None,
) -> Page[ExhibitionSummary]:
    found = [
        s
        for s in feed.exhibitions.values()
        if (retired is None or s.exhibition.retired == retired)
        and (station is None or any(v.station == station for v in s.exhibition.tour))
    ]
    chunk, next_cursor = page_of_items(found, lambda s: (s.exhibition.code,), page)
    return Page(items=[summary(s) for s in chunk], next_cursor=next_cursor)


@router.get(PREFIX + "/{code}", summary="One exhibition, whole, as published")
async def read_exhibition(code: str, feed: FeedDep, _: Curator) -> ExhibitionPublic:
    return public(stored_or_404(feed, code))


@router.patch(PREFIX + "/{code}", summary="Change an exhibition's title or description")
async def update_exhibition(code: str, body: ExhibitionChange, feed: FeedDep, _: Curator) -> ExhibitionPublic:
    def edit(ex: ExhibitionPublished) -> ExhibitionPublished:
        if body.title is not None:
            ex.title = body.title
        if body.description is not None:
            ex.description = body.description
        return ex

    return await change(feed, code, edit)


async def set_retired(feed: NetworkFeed, code: str, retired: bool) -> ExhibitionPublic:
    def edit(ex: ExhibitionPublished) -> ExhibitionPublished:
        ex.retired = retired
        return ex

    return await change(feed, code, edit)


@router.delete(PREFIX + "/{code}", summary="Retire an exhibition (stations stop showing it)")
async def retire_exhibition(code: str, feed: FeedDep, _: Curator) -> ExhibitionPublic:
    return await set_retired(feed, code, True)


@router.post(PREFIX + "/{code}/restore", summary="Bring a retired exhibition back")
async def restore_exhibition(code: str, feed: FeedDep, _: Curator) -> ExhibitionPublic:
    return await set_retired(feed, code, False)


# -- artists ---------------------------------------------------------------------------------------


@router.get(PREFIX + "/{code}/artists", summary="The exhibition's artists, by code")
async def list_artists(
    code: str, feed: FeedDep, _: Curator, page: Annotated[PageRequest, Depends(page_request)]
) -> Page[Artist]:
    artists = stored_or_404(feed, code).exhibition.artists
    chunk, next_cursor = page_of_items(artists, lambda a: (a.code,), page)
    return Page(items=chunk, next_cursor=next_cursor)


@router.get(PREFIX + "/{code}/artists/{artist}", summary="One artist of the exhibition")
async def read_artist(code: str, artist: str, feed: FeedDep, _: Curator) -> Artist:
    artists = stored_or_404(feed, code).exhibition.artists
    return artists[_index(artists, artist, "artist")]


@router.post(PREFIX + "/{code}/artists", status_code=201, summary="Add an artist")
async def add_artist(code: str, body: ArtistIn, feed: FeedDep, _: Curator) -> Artist:
    def edit(ex: ExhibitionPublished) -> ExhibitionPublished:
        if any(a.code == body.code for a in ex.artists):
            raise Conflict.taken(f"Artist {body.code!r} is in the exhibition already.", "code")
        ex.artists.append(Artist(**body.model_dump()))
        return ex

    await change(feed, code, edit)
    return Artist(**body.model_dump())


@router.put(PREFIX + "/{code}/artists/{artist}", summary="Change an artist")
async def update_artist(code: str, artist: str, body: ArtistChange, feed: FeedDep, _: Curator) -> Artist:
    new = Artist(code=artist, **body.model_dump())

    def edit(ex: ExhibitionPublished) -> ExhibitionPublished:
        ex.artists[_index(ex.artists, artist, "artist")] = new
        return ex

    await change(feed, code, edit)
    return new


@router.delete(PREFIX + "/{code}/artists/{artist}", status_code=204, summary="Remove an artist with no work")
async def remove_artist(code: str, artist: str, feed: FeedDep, _: Curator) -> Response:
    def edit(ex: ExhibitionPublished) -> ExhibitionPublished:
        i = _index(ex.artists, artist, "artist")
        works = [w.code for w in ex.works if w.artist == artist]
        if works:
            raise Conflict(f"Artist {artist!r} still has works here: {', '.join(works)}. Remove them first.")
        del ex.artists[i]
        return ex

    await change(feed, code, edit)
    return Response(status_code=204)


# -- works -----------------------------------------------------------------------------------------


async def _work(request: Request, code: str, body: WorkChange) -> Work:
    store = media_store(request)
    problems = []
    found = await store.find(body.media_sha256)
    if found is None:
        problems.append(FieldProblem("media_sha256", "no media uploaded with this SHA-256."))
    audio = await store.find(body.audio_sha256) if body.audio_sha256 else None
    if body.audio_sha256 and (audio is None or audio[1] not in domain.AUDIO_TYPES):
        problems.append(FieldProblem("audio_sha256", "no audio uploaded with this SHA-256."))
    if problems or found is None:
        raise InvalidInput.from_problems("The work's media is not at the hub.", problems)
    fields = body.model_dump(exclude={"code", "media_sha256", "audio_sha256", "rights"})
    return Work(
        code=code,
        **fields,
        rights=body.rights,
        media_url=media_url(request, found[0]),
        media_sha256=body.media_sha256,
        media_type=found[1],
        audio_url=media_url(request, audio[0]) if audio else None,
    )


@router.get(PREFIX + "/{code}/works", summary="The exhibition's works, by code")
async def list_works(
    code: str,
    feed: FeedDep,
    _: Curator,
    page: Annotated[PageRequest, Depends(page_request)],
    artist: Annotated[str | None, Query(description="only this artist's works")] = None,
    station: Annotated[
        str | None, Query(description="only the works whose rights allow this station")
    ] = None,
) -> Page[Work]:
    works = [
        w
        for w in stored_or_404(feed, code).exhibition.works
        if (artist is None or w.artist == artist)
        and (station is None or not w.rights.stations or station in w.rights.stations)
    ]
    chunk, next_cursor = page_of_items(works, lambda w: (w.code,), page)
    return Page(items=chunk, next_cursor=next_cursor)


@router.get(PREFIX + "/{code}/works/{work}", summary="One work of the exhibition")
async def read_work(code: str, work: str, feed: FeedDep, _: Curator) -> Work:
    works = stored_or_404(feed, code).exhibition.works
    return works[_index(works, work, "work")]


@router.post(PREFIX + "/{code}/works", status_code=201, summary="Add a work (its media uploaded first)")
async def add_work(code: str, body: WorkIn, request: Request, feed: FeedDep, _: Curator) -> Work:
    stored_or_404(feed, code)
    new = await _work(request, body.code, body)

    def edit(ex: ExhibitionPublished) -> ExhibitionPublished:
        if any(w.code == body.code for w in ex.works):
            raise Conflict.taken(f"Work {body.code!r} is in the exhibition already.", "code")
        ex.works.append(new)
        return ex

    await change(feed, code, edit)
    return new


@router.put(PREFIX + "/{code}/works/{work}", summary="Change a work, its media or its rights")
async def update_work(
    code: str, work: str, body: WorkChange, request: Request, feed: FeedDep, _: Curator
) -> Work:
    stored_or_404(feed, code)
    new = await _work(request, work, body)

    def edit(ex: ExhibitionPublished) -> ExhibitionPublished:
        ex.works[_index(ex.works, work, "work")] = new
        return ex

    await change(feed, code, edit)
    return new


@router.delete(PREFIX + "/{code}/works/{work}", status_code=204, summary="Remove a work")
async def remove_work(code: str, work: str, feed: FeedDep, _: Curator) -> Response:
    def edit(ex: ExhibitionPublished) -> ExhibitionPublished:
        del ex.works[_index(ex.works, work, "work")]
        return ex

    await change(feed, code, edit)
    return Response(status_code=204)


# -- the tour --------------------------------------------------------------------------------------


def _visit_index(tour: list[Visit], station: str, starts_at: datetime) -> int:
    for i, visit in enumerate(tour):
        if visit.station == station and visit.starts_at == starts_at:
            return i
    raise NotFound(f"No visit to {station!r} starting {starts_at.isoformat()}.")


@router.post(PREFIX + "/{code}/visits", status_code=201, summary="Add a visit to the tour")
async def add_visit(code: str, body: VisitIn, feed: FeedDep, _: Curator) -> ExhibitionPublic:
    def edit(ex: ExhibitionPublished) -> ExhibitionPublished:
        ex.tour.append(Visit(**body.model_dump()))
        ex.tour.sort(key=lambda v: (v.starts_at, v.station))
        return ex

    return await change(feed, code, edit)


@router.put(PREFIX + "/{code}/visits/{station}/{starts_at}", summary="Move or lengthen a visit")
async def update_visit(
    code: str, station: str, starts_at: datetime, body: VisitIn, feed: FeedDep, _: Curator
) -> ExhibitionPublic:
    def edit(ex: ExhibitionPublished) -> ExhibitionPublished:
        ex.tour[_visit_index(ex.tour, station, starts_at)] = Visit(**body.model_dump())
        ex.tour.sort(key=lambda v: (v.starts_at, v.station))
        return ex

    return await change(feed, code, edit)


@router.delete(PREFIX + "/{code}/visits/{station}/{starts_at}", status_code=204, summary="Cancel a visit")
async def remove_visit(code: str, station: str, starts_at: datetime, feed: FeedDep, _: Curator) -> Response:
    def edit(ex: ExhibitionPublished) -> ExhibitionPublished:
        del ex.tour[_visit_index(ex.tour, station, starts_at)]
        return ex

    await change(feed, code, edit)
    return Response(status_code=204)


@router.get(PREFIX + "/{code}/tour", summary="The whole tour, each visit with its station's answer and link")
async def read_tour(
    code: str, feed: FeedDep, _: Curator, page: Annotated[PageRequest, Depends(page_request)]
) -> Page[VisitStatePublic]:
    tour = stored_or_404(feed, code).exhibition.tour
    chunk, next_cursor = page_of_items(tour, lambda v: (v.starts_at, v.station), page)
    items = []
    for visit in chunk:
        answer = feed.culture.answer(code, visit)
        registration = feed.directory.get(visit.station)
        items.append(
            VisitStatePublic(
                station=visit.station,
                station_name=registration.name if registration else None,
                starts_at=visit.starts_at,
                ends_at=visit.ends_at,
                answer=domain.visit_state(answer),
                answered_at=answer.answered_at if answer else None,
                link=feed.link(visit.station).state,
                station_status=feed.status(visit.station),
            )
        )
    return Page(items=items, next_cursor=next_cursor)


# -- media -----------------------------------------------------------------------------------------


@router.post("/api/v1/network/media", status_code=201, summary="Upload a work's image, video or audio")
async def upload_media(request: Request, _: Curator) -> MediaPublic:
    settings: HubSettings = request.app.state.settings
    declared = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if declared not in domain.MEDIA_TYPES:
        raise Problem(
            f"Send the file as its own type, one of: {', '.join(domain.MEDIA_TYPES)}.",
            status=415,
            slug="unsupported-media-type",
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > settings.media_max_bytes:
            raise PayloadTooLarge(f"A work's media is at most {settings.media_max_bytes} bytes.")
        chunks.append(chunk)
    body = b"".join(chunks)
    if domain.sniff_media_type(body[:32]) != declared:
        raise Problem(
            f"The file is empty or is not the {declared} it says it is.", status=422, slug="unsupported-media"
        )
    sha256, name = await media_store(request).save(body, declared)
    return MediaPublic(sha256=sha256, media_type=declared, size=size, url=media_url(request, name))


@router.get("/media/{name}", summary="A work's media, by its SHA-256 (public, never changes)")
async def read_media(name: str, request: Request) -> Response:
    sha256 = name.partition(".")[0]
    store = media_store(request)
    found = await store.find(sha256) if re.fullmatch(r"[0-9a-f]{64}", sha256) else None
    if found is None or found[0] != name:
        raise NotFound("No media by that name.")
    etag = f'"{sha256}"'
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(await store.read(sha256), media_type=found[1], headers=headers)


# -- reach -----------------------------------------------------------------------------------------


def _reach(
    feed: NetworkFeed, by: domain.ReachBy, exhibition: str | None, since: date | None, until: date | None
) -> list[domain.ReachRow]:
    if since and until and since > until:
        raise InvalidInput.from_problems(
            "The period ends before it starts.", [FieldProblem("to", "`to` is on or after `from`.")]
        )
    artist_of = {(code, w.code): w.artist for code, s in feed.exhibitions.items() for w in s.exhibition.works}
    return domain.reach(
        feed.culture, by=by, exhibition=exhibition, since=since, until=until, artist_of=artist_of
    )


def _csv(by: domain.ReachBy, rows: list[domain.ReachRow]) -> Response:
    return Response(
        domain.reach_csv(by, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="reach-by-{by}.csv"'},
    )


ByQuery = Annotated[domain.ReachBy, Query(description="what each row sums: a work, artist, station or day")]
ExhibitionQuery = Annotated[str | None, Query(description="only this exhibition's works")]
FromQuery = Annotated[date | None, Query(alias="from", description="first day counted (station time)")]
ToQuery = Annotated[date | None, Query(alias="to", description="last day counted (station time)")]


@router.get(
    "/api/v1/network/reach",
    response_model=Page[ReachRowPublic],
    summary="Plays, seconds and QR scans of the works across the network (`Accept: text/csv` for CSV)",
    responses={200: {"content": {"text/csv": {}}}},
)
async def read_reach(
    request: Request,
    feed: FeedDep,
    _: Curator,
    page: Annotated[PageRequest, Depends(page_request)],
    by: ByQuery = "work",
    exhibition: ExhibitionQuery = None,
    since: FromQuery = None,
    until: ToQuery = None,
) -> Page[ReachRowPublic] | Response:
    rows = _reach(feed, by, exhibition, since, until)
    if "text/csv" in request.headers.get("accept", ""):
        return _csv(by, rows)
    chunk, next_cursor = page_of_items(rows, lambda r: (r.exhibition or "", r.key), page)
    return Page(items=[ReachRowPublic(**vars(r)) for r in chunk], next_cursor=next_cursor)


@router.get("/api/v1/network/reach.csv", summary="The reach report as CSV, a header row first")
async def read_reach_csv(
    feed: FeedDep,
    _: Curator,
    by: ByQuery = "work",
    exhibition: ExhibitionQuery = None,
    since: FromQuery = None,
    until: ToQuery = None,
) -> Response:
    return _csv(by, _reach(feed, by, exhibition, since, until))
