"""Searching places by name or kind in any language, tolerant of case, accents and typos."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.info_kiosk import texts
from services.info_kiosk.domain.graph_rules import PlaceRecord
from services.info_kiosk.domain.languages import reading_order


def fold(text: str) -> str:
    """Lower case, no accents, no punctuation: "Toilettes (hall)" and "toilettes hall" look alike."""
    folded = reading_order(text)
    return " ".join("".join(c if c.isalnum() else " " for c in folded).split())


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), or limit + 1 once it is exceeded."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def typo_allowance(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def word_score(query_word: str, text_words: Sequence[str]) -> float:
    """1 for a word found as typed (or a word it begins), less for a typo, 0 when absent."""
    best = 0.0
    for word in text_words:
        if word == query_word:
            return 1.0
        if len(query_word) >= 3 and word.startswith(query_word):
            best = max(best, 0.9)
            continue
        allowance = typo_allowance(query_word)
        if allowance:
            distance = edit_distance(query_word, word, allowance)
            if distance <= allowance:
                best = max(best, 0.8 - 0.2 * (distance - 1))
    return best


def text_score(query: str, text: str) -> float:
    """How well a text matches every word of the query (0: some word is missing)."""
    query_words = fold(query).split()
    text_words = fold(text).split()
    if not query_words or not text_words:
        return 0.0
    # Chinese and Arabic names are often written without spaces between the words people type.
    joined = "".join(text_words)
    scores = []
    for query_word in query_words:
        score = word_score(query_word, text_words)
        if not score and len(query_word) >= 2 and query_word in joined:
            score = 0.9
        if not score:
            return 0.0
        scores.append(score)
    return sum(scores) / len(scores)


@dataclass(frozen=True)
class SearchHit:
    code: str
    score: float


def search(places: Sequence[PlaceRecord], query: str) -> list[SearchHit]:
    """Places whose name in any language, or whose kind in any language, matches the query; best first."""
    kind_scores = {
        kind: max(text_score(query, word) for word in words) for kind, words in texts.KIND_WORDS.items()
    }
    hits = []
    for place in places:
        score = max((text_score(query, name) for name in place.names.values()), default=0.0)
        score = max(score, kind_scores.get(place.kind, 0.0) * 0.95)
        if place.line and fold(query) in (place.line, f"ligne {place.line}", f"line {place.line}"):
            score = max(score, 0.95)
        if score > 0:
            hits.append(SearchHit(place.code, round(score, 3)))
    hits.sort(key=lambda hit: (-hit.score, hit.code))
    return hits
