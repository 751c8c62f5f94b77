"""Does every response carry the security headers, and do our pages still work under their policy?"""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest
from fastapi.testclient import TestClient

SECURITY = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}
SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"

# (method, path, headers, the status it answers with): pages, JSON, errors, static files, downloads
RESPONSES = [
    ("GET", "/", {"accept": "text/html"}, 200),
    ("GET", "/sparql", {"accept": "text/html"}, 200),
    ("GET", f"/sparql?query={SELECT}", {}, 200),
    ("GET", "/graph", {}, 200),
    ("GET", "/ontology", {"accept": "text/html"}, 200),
    ("GET", "/ontology", {"accept": "text/turtle"}, 200),
    ("GET", "/docs", {}, 200),
    ("GET", "/openapi.json", {}, 200),
    ("GET", "/api/themes", {}, 200),
    ("GET", "/static/style.css", {}, 200),
    ("GET", "/download/qikg.ttl", {}, 200),
    ("GET", "/api/themes/no-such-theme", {}, 404),
    ("GET", "/no/such/page", {}, 404),
    ("GET", "/api/themes?limit=0", {}, 422),
    ("GET", "/api/search?q=%ff", {}, 400),
    ("GET", "/sparql?query=SELEC", {}, 400),
    ("DELETE", "/sparql", {}, 405),
    ("OPTIONS", "/sparql", {}, 204),
]


def _csp(response: httpx.Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {name: value.strip() for name, _, value in (d.strip().partition(" ") for d in policy.split(";"))}


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"), RESPONSES, ids=[f"{m} {p} {s}" for m, p, _, s in RESPONSES]
)
def test_every_kind_of_response_carries_the_security_headers(
    client: TestClient, method: str, path: str, headers: dict, status: int
) -> None:
    response = client.request(method, path, headers=headers)
    assert response.status_code == status, response.text[:300]
    for name, value in SECURITY.items():
        assert response.headers.get(name) == value, (name, response.headers)
    policy = _csp(response)
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]


def test_a_server_fault_carries_them_too(client: TestClient) -> None:
    """A 500 is answered outside the middlewares (by Starlette's last-resort handler), so it is checked alone."""

    def boom() -> None:
        raise RuntimeError("a bug")

    client.app.add_api_route("/test-only-boom", boom, include_in_schema=False)
    response = TestClient(client.app, raise_server_exceptions=False).get("/test-only-boom")
    assert response.status_code == 500 and response.json()["error"] == "internal error"
    for name, value in SECURITY.items():
        assert response.headers.get(name) == value
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_our_pages_allow_only_same_origin_scripts_and_styles(client: TestClient) -> None:
    for path in ("/", "/sparql", _entity_page(client)):
        response = client.get(path, headers={"accept": "text/html"})
        policy = _csp(response)
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'", path
        assert policy["default-src"] == "'none'"
        # nothing inline that the policy would block
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text), path
        assert "<style" not in response.text and " style=" not in response.text, path


def test_the_graph_view_runs_inline_but_fetches_nothing(client: TestClient) -> None:
    policy = _csp(client.get("/graph"))
    assert policy["script-src"] == "'unsafe-inline'" and policy["connect-src"] == "'none'"


def test_the_docs_page_may_run_exactly_its_own_inline_script(client: TestClient) -> None:
    response = client.get("/docs")
    inline = re.findall(r"<script>(.*?)</script>", response.text, flags=re.S)
    assert inline
    allowed = _csp(response)["script-src"].split()
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed
    assert "'unsafe-inline'" not in allowed


def _entity_page(client: TestClient) -> str:
    return client.get("/api/themes", params={"flat": True}).json()["items"][0]["url"]


VIOLATIONS = """() => { window.__csp = []; document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'))); }"""


@pytest.mark.browser
@pytest.mark.server
def test_no_page_of_ours_breaks_its_policy_in_a_browser(browser, server_url: str) -> None:
    """Every page opened in Chromium: no script, style or image refused by the policy (/docs included: Swagger UI
    from this server and its inline script by hash), and the query form still submits."""
    entity = httpx.get(f"{server_url}/api/themes", params={"flat": True}).json()["items"][0]["url"]
    context = browser.new_context()
    context.add_init_script(f"({VIOLATIONS})()")
    try:
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
        for path in ("/", "/sparql", entity, "/graph", "/ontology", "/docs"):
            page.goto(server_url + path, wait_until="load")
            page.wait_for_timeout(300)
            refused = page.evaluate("window.__csp")
            assert refused == [], (path, refused)
        page.goto(f"{server_url}/sparql", wait_until="load")
        page.select_option("#examples", index=1)  # our own script (script-src 'self') loads the example
        assert page.input_value("#query").strip() and page.input_value("#query") != ""
        page.fill("#query", SELECT)
        with page.expect_navigation():
            page.evaluate("document.getElementById('sparql-form').submit()")
        assert page.evaluate("window.__csp") == []
        assert "<table" in page.content()
        assert console == []
    finally:
        context.close()
