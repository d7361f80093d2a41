"""Content rules: what each kind of content needs, and the HTML an operator may write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import nh3

from kernel.rules import FieldProblem
from services.signage.media.domain import MEDIA_KINDS

ContentKind = Literal["message", "html", "image", "video", "artwork", "widget"]
# How a message looks on screens: a line over the accent bar (banner), a large greeting on the
# station's colour (welcome), a framed notice with its icon (notice), a quotation (quote).
MessageTemplate = Literal["banner", "welcome", "notice", "quote"]
MESSAGE_KINDS = ("message", "html")
DEFAULT_TEMPLATE = "banner"
WidgetName = Literal["clock", "vehicle_availability", "next_departures", "lift_status"]
# Under 3 s nobody can read a message; over 5 min the loop stops feeling like one.
MIN_DURATION_SECONDS = 3
MAX_DURATION_SECONDS = 300
# Tags an operator may put in an HTML message; everything else (scripts, styles, handlers) goes.
HTML_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "span", "ul", "ol", "li", "h1", "h2", "h3", "small"}


def sanitise_html(html: str) -> str:
    """Only structure and emphasis survive: no script, style, link, image or attribute."""
    return nh3.clean(html, tags=HTML_TAGS, attributes={}, url_schemes=set(), strip_comments=True).strip()


def content_problems(
    *,
    kind: str,
    texts: Mapping[str, str],
    html: Mapping[str, str],
    media: str | None,
    media_type: str | None,
    artist: str | None,
    widget: str | None,
    template: str | None = None,
) -> list[FieldProblem]:
    """What a content of this kind lacks, or carries that belongs to another kind. `media_type` is
    the sniffed type of the uploaded media named by `media` (None when there is no such upload)."""
    problems: list[FieldProblem] = []
    if template is not None and kind not in MESSAGE_KINDS:
        problems.append(FieldProblem("template", f"only messages have a template, not a {kind}"))
    if kind == "message" and not texts:
        problems.append(FieldProblem("texts", "a message needs a text in at least one language"))
    if kind == "html" and not html:
        problems.append(FieldProblem("html", "an HTML message needs its HTML in at least one language"))
    if kind == "html" and html and not any(sanitise_html(value) for value in html.values()):
        problems.append(FieldProblem("html", "nothing is left to show once scripts and styles are removed"))
    if kind != "html" and html:
        problems.append(FieldProblem("html", f"only HTML messages carry HTML, not a {kind}"))
    if kind in MEDIA_KINDS:
        if media is None:
            problems.append(FieldProblem("media", f"a {kind} needs the hash of an uploaded media"))
        elif media_type is None:
            problems.append(FieldProblem("media", "no uploaded media has this hash at the station"))
        elif media_type not in MEDIA_KINDS[kind]:
            problems.append(FieldProblem("media", f"a {kind} cannot show a {media_type}"))
    elif media is not None:
        problems.append(FieldProblem("media", f"only images, videos and artworks have media, not a {kind}"))
    if kind == "artwork" and not artist:
        problems.append(FieldProblem("artist", "an artwork names its artist"))
    if kind != "artwork" and artist:
        problems.append(FieldProblem("artist", f"only artworks name an artist, not a {kind}"))
    if kind == "widget" and not widget:
        problems.append(FieldProblem("widget", "a widget item needs the widget to show"))
    if kind != "widget" and widget:
        problems.append(FieldProblem("widget", f"only widget items name a widget, not a {kind}"))
    return problems
