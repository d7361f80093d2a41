"""Every problem type the station can answer with is in the kernel's list, and its `type` URI
resolves to a page at the gateway. The slugs are found in the code (every `slug=...`, every
`slug` a class or a branch sets, every OAuth error) and in the merged OpenAPI document."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import httpx

from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from kernel.errors import problem_type
from kernel.problems import PROBLEM_TYPES
from tests.test_gateway_public_reads import merged_document

ROOT = Path(__file__).resolve().parents[1]
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
NOTE = re.compile(r"`([a-z0-9]+(?:-[a-z0-9]+)*)`:")


def _strings(node: ast.AST) -> Iterator[str]:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str) and SLUG.fullmatch(inner.value):
            yield inner.value


def slugs_in(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "slug":
            yield from _strings(node.value)
        elif isinstance(node, ast.Assign):  # `slug = ...`, `status, slug = 404, "..."` (not a field's type)
            names = {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            if "slug" in names:
                yield from _strings(node.value)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "one_or_404"
            and len(node.args) > 2
        ):
            yield from _strings(node.args[2])  # one_or_404(session, Model, "slug", ...)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "OAuthError" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield "oauth-" + first.value.replace("_", "-")


def slugs_in_the_code() -> dict[str, str]:
    """{slug: the file that uses it} over the gateway, the services and the kernel (not their tests)."""
    found: dict[str, str] = {}
    for folder in ("kernel", "gateway", "services"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "tests" in path.parts:
                continue
            for slug in slugs_in(ast.parse(path.read_text(encoding="utf-8"))):
                found.setdefault(slug, str(path.relative_to(ROOT)))
    return found


def slugs_in_the_openapi() -> set[str]:
    found = set()
    for item in merged_document()["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                for response in operation.get("responses", {}).values():
                    found.update(NOTE.findall(response.get("description", "")))
    return found


def test_the_scan_sees_the_kinds_of_declaration():
    code = slugs_in_the_code()
    # A keyword, a class attribute, a branch, an OAuth error, a lookup's 404.
    assert {"unknown-bank", "controller-timeout", "uri-too-long", "oauth-slow-down"} <= set(code)


def test_every_slug_the_code_uses_is_a_listed_problem_type():
    missing = {slug: path for slug, path in slugs_in_the_code().items() if slug not in PROBLEM_TYPES}
    assert not missing, f"add these to kernel/problems.py: {missing}"


def test_every_slug_the_openapi_documents_is_a_listed_problem_type():
    missing = slugs_in_the_openapi() - set(PROBLEM_TYPES)
    assert not missing, f"add these to kernel/problems.py: {sorted(missing)}"


async def test_every_problem_type_resolves_to_a_page():
    app = create_gateway(GatewaySettings())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as http:
        index = await http.get("/problems")
        assert index.status_code == 200
        for slug, kind in PROBLEM_TYPES.items():
            page = await http.get(problem_type(slug))
            assert page.status_code == 200, slug
            assert page.headers["content-type"].startswith("text/html")
            assert (
                f"<code>{slug}</code>" in page.text
                and "default-src 'none'" in page.headers["content-security-policy"]
            )
            assert f'href="{problem_type(slug)}"' in index.text
            if kind.status:
                assert str(kind.status) in page.text
        unknown = await http.get("/problems/no-such-thing")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"].startswith("application/problem+json")
