"""A host adds three later chats written the way other converters and authors write them (the invented reports of
tests/kg/extract/fixtures of 25 April, 30 May and 27 June 2023, TEST DATA) with `qikg add`, serves the build with
`qikg serve --data DIR`, reads them through the API, the pages and /sparql, and removes them with `qikg remove`:
the build is then byte for byte the one it was.

Expected facts come from the reports' texts (through the extractor, itself tested against those texts in
tests/kg/extract/test_extract_held_out.py), never from what the server happens to answer."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.extract.report import extract

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
FIXTURES = ROOT / "tests" / "kg" / "extract" / "fixtures"
APR = FIXTURES / "leadingqi-2023-04-25-report.txt"
MAY = FIXTURES / "leadingqi-2023-05-30-report.txt"
JUNE = FIXTURES / "leadingqi-2023-06-27-report.txt"
PUBLISHED = ("qikg.trig", "qikg.ttl", "qikg.nt", "qikg.jsonld", "qikg.gexf", "graph.html")
runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class World:
    """A registry of the seed, its build before the adds, the build after them and the server serving it."""

    def __init__(self, root: Path) -> None:
        self.folder = root / "chats"
        self.folder.mkdir()
        shutil.copyfile(SEED, self.folder / SEED.name)
        shutil.copyfile(SEED.with_name(f"{SEED.stem}.curation.yaml"), self.folder / f"{SEED.stem}.curation.yaml")
        self.registry = self.folder / "registry.yaml"
        self.registry.write_text("sources: []\n", encoding="utf-8")
        self.out = root / "build"
        _run("add", str(self.folder / SEED.name), "--registry", str(self.registry), "--no-build")
        _run("build", "--out", str(self.out), "--no-reason", "--registry", str(self.registry))
        self.seed_only = self.files()
        self.dry = _run("add", str(APR), "--dry-run", "--registry", str(self.registry), "--out", str(self.out))
        self.dry_june = _run("add", str(JUNE), "--dry-run", "--registry", str(self.registry), "--out", str(self.out))
        for report in (APR, MAY, JUNE):
            _run("add", str(report), "--out", str(self.out), "--no-reason", "--registry", str(self.registry))
        self.url = ""

    def files(self) -> dict[str, bytes]:
        return {name: (self.out / name).read_bytes() for name in PUBLISHED}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("added")
    made = World(root)
    port = _free_port()
    env = {**os.environ, "QIKG_REGISTRY": str(made.registry)}
    env.pop("QIKG_STORE_DIR", None)
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--data", str(made.out), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    made.url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{made.url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the server did not start: {(root / 'server.log').read_text()}")
        yield made
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def _json(world: World, path: str, **params: object) -> dict:
    response = httpx.get(world.url + path, params=params, headers={"Accept": "application/json"}, timeout=30)
    assert response.status_code == 200, (path, response.text[:300])
    return response.json()


def _html(world: World, path: str) -> str:
    response = httpx.get(world.url + path, headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200, (path, response.text[:300])
    return response.text


@pytest.mark.timeout(900)
def test_the_dry_run_names_the_new_people_and_organisation_and_every_warning_with_its_line(world: World) -> None:
    text = " ".join(world.dry.split())
    records = extract(APR)
    new = [p for p in records.people if p.handle in {"ZoeNiBhriain", "JoseAlvarezQI"}]
    for person in new:
        assert f"@{person.handle} ({person.name}), line {person.line}" in text
    assert "Westmarch University Hospitals NHS Foundation Trust" in text and "NHS FT" not in text
    assert "problems (the build would refuse these): 0" in text


@pytest.mark.timeout(900)
def test_each_chats_questions_come_through_the_api_and_sparql(world: World) -> None:
    for report in (APR, MAY):
        records = extract(report)
        got = _json(world, "/api/questions", chat=records.chat.slug)["items"]
        assert [(q["number"], q["text"], q["asked_by"]) for q in got] == [
            (q.number, q.text, q.asked_by) for q in records.questions
        ]
    query = (
        "PREFIX qi: <https://w3id.org/qikg/ontology#> SELECT ?n WHERE { GRAPH ?g { ?q a qi:Question ; qi:number ?n ;"
        " qi:inChat <https://w3id.org/qikg/id/chat/2023-04-25> } } ORDER BY ?n"
    )
    response = httpx.post(
        world.url + "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    assert [int(b["n"]["value"]) for b in response.json()["results"]["bindings"]] == [
        q.number for q in extract(APR).questions
    ]


@pytest.mark.timeout(900)
def test_people_of_the_first_chat_are_the_same_nodes_in_any_case_new_people_have_their_organisation(
    world: World,
) -> None:
    lee = _json(world, "/api/participants/sutcliffe1987")  # printed so in April; @Sutcliffe1987 in the first chat
    assert lee["handle"] == "Sutcliffe1987" and {"2022-10-19", "2023-04-25"} <= {q["chat"] for q in lee["quotes"]}
    nicola = _json(world, "/api/participants/drnicolaburgess")
    assert {"2022-10-19", "2023-05-30"} <= {q["chat"] for q in nicola["quotes"]}
    zoe = _json(world, "/api/participants/ZoeNiBhriain")
    assert [a["id"] for a in zoe["affiliations"]] == ["westmarch-university-hospitals-nhs-foundation-trust"]
    assert zoe["display_names"] == ["Zoë Ní Bhriain 🌿"]
    orgs = {o["id"] for o in _json(world, "/api/organisations", limit=200)["items"]}
    assert {"eastfield-community-nhs-foundation-trust", "surrey-and-sussex-healthcare-nhs-trust"} <= orgs
    assert not {o for o in orgs if o.endswith("-nhs-ft") or o == "surrey-sussex-healthcare-nhs-trust"}


@pytest.mark.timeout(900)
def test_a_resource_two_chats_share_is_one_node_with_both_sharers(world: World) -> None:
    items = {r["id"]: r for r in _json(world, "/api/resources", limit=500)["items"]}
    [slug] = {r.slug for r in extract(APR).resources if r.url and "relational-huddles" in r.url}
    assert sorted(items[slug]["shared_by"]) == ["AmaraOH_QI", "ZoeNiBhriain"]
    page = _html(world, "/id/chat/2023-05-30")  # untitled: named by its address, never by its slug
    assert f">{slug}</a>" not in page and re.search(r'<span class="title"><a href="[^"]+">https?://[^<]*huddles', page)
    habits = items["the-habits-of-an-improver"]
    assert habits["shared_by"] == ["BryanJns"]  # @BryanJns in the first chat, @bryanjns in May: one person


@pytest.mark.timeout(900)
def test_scripts_in_the_words_are_text_on_every_page_and_in_search(world: World) -> None:
    hits = _json(world, "/api/search", q='"thread nobody"')["items"]
    [quote] = [h for h in hits if h["kind"] == "quote"]
    assert quote["text"].startswith("<script>") and "<script>" not in quote["snippet_html"]
    for path in ("/id/chat/2023-05-30", quote["url"], "/id/participant/rhysapg", "/search?q=script"):
        page = _html(world, path)
        assert "<script>alert" not in page and "&lt;script&gt;alert" in page, path


@pytest.mark.timeout(900)
def test_the_report_page_shows_each_line_of_a_windows_report_as_printed(world: World) -> None:
    page = _html(world, "/report/leadingqi-2023-04-25")
    n = next(i for i, line in enumerate(APR.read_text(encoding="utf-8").split("\n"), 1) if "Zoë also commented" in line)
    assert f'id="L{n}"' in page and "Zoë also commented" in page and "\r" not in page


@pytest.mark.timeout(900)
def test_a_chat_several_reports_state_cites_each_report_at_its_own_line(world: World) -> None:
    """The May chat is announced by the first report and by April's and held by May's: each citation on its page
    is a line of that report about that chat, never one report's line number under another report's name."""
    page = _html(world, "/id/chat/2023-05-30")
    cited = re.findall(r'href="/report/(leadingqi-[\d-]+)#L(\d+)"', page)
    reports = {"leadingqi-2022-10-19": SEED, "leadingqi-2023-04-25": APR, "leadingqi-2023-05-30": MAY}
    assert {slug for slug, _ in cited} == set(reports)
    for slug, line in set(cited):
        text = reports[slug].read_text(encoding="utf-8").split("\n")[int(line) - 1]
        assert "30th May 2023" in text, (slug, line, text)


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_the_new_chats_pages_on_a_phone_run_no_script_of_the_data_and_ask_no_other_host(world: World, browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    dialogs: list[str] = []
    elsewhere: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.on("request", lambda r: None if r.url.startswith(world.url) else elsewhere.append(r.url))
    try:
        for path in (
            "/id/chat/2023-05-30",
            "/id/chat/2023-04-25",
            "/id/participant/zoenibhriain",
            "/report/leadingqi-2023-04-25",  # Windows line endings, a 4,500-character line
            "/report/leadingqi-2023-05-30",  # web addresses with no space to break at
            "/id/chat/2023-06-27",  # four rankings, a panel line with two organisations
            "/report/leadingqi-2023-06-27",  # a script and an image tag in the words
        ):
            tab.goto(world.url + path)
            assert tab.evaluate("document.documentElement.scrollWidth") <= 390, path
            assert tab.locator("h1").first.is_visible()
            if "participant" in path:
                assert tab.get_by_text("Zoë Ní Bhriain").first.is_visible()
    finally:
        context.close()
    assert dialogs == [] and elsewhere == []


# --- the June report: headings worded otherwise, the table without its heading, resources printed otherwise -------


def _june_rows() -> list[list[str]]:
    """The June report's resources table, each row's cells as printed (Resource, Shared by, Link)."""
    from kg.extract.markup import clean

    lines = JUNE.read_text(encoding="utf-8").split("\n")
    header = next(n for n, line in enumerate(lines) if line.split("\t") == ["Resource", "Shared by", "Link"])
    return [[clean(c) for c in line.split("\t")] for line in lines[header + 1 :] if line.count("\t") == 2]


@pytest.mark.timeout(900)
def test_the_june_dry_run_says_which_resources_the_graph_has_printed_otherwise(world: World) -> None:
    text = " ".join(world.dry_june.split())
    assert "problems (the build would refuse these): 0" in text
    assert "Shared resources: no heading; the table is read from its header row" in text
    shared = [r for r in extract(JUNE).resources if not r.core]
    for res in shared[:2]:  # re-shared: the title in other case, the same DOI
        assert f"printed here as {res.title!r}" in text, res.title
    assert text.count("kept as its alternative name") == 2
    # the same address with another title: an address may be a page linking several resources, so two of them
    assert f"prints the web address {shared[2].url} that " in text and "kept as two resources" in text


@pytest.mark.timeout(900)
def test_a_resource_reshared_with_another_title_or_doi_is_one_node_with_one_name(world: World) -> None:
    items = {r["id"]: r for r in _json(world, "/api/resources", limit=500)["items"]}
    shared = [r for r in extract(JUNE).resources if not r.core]
    seed = extract(SEED).resources
    firsts = [  # the first report's printings of the June report's first two rows
        next(s for s in seed if s.title and s.title.casefold() == shared[0].title.casefold()),
        next(s for s in seed if s.doi and s.doi == shared[1].doi),
    ]
    for first, cells in zip(firsts, _june_rows(), strict=False):
        node = items[first.slug]
        assert node["title"] == first.title  # the first printing names it, on every page and in the API
        assert cells[1].lstrip("@").lower() in {h.lower() for h in node["shared_by"]}
    assert shared[1].slug not in items  # the extractor's own slug of the DOI row: no node of its own
    # the third row prints a first-report address with its own title: a node of its own, titled as June prints it
    address_twin = next(s for s in seed if s.url and s.url.rstrip("/") == shared[2].url.rstrip("/"))
    assert items[shared[2].slug]["title"] == shared[2].title and items[address_twin.slug]["title"] == address_twin.title
    page = _html(world, f"/id/resource/{firsts[1].slug}")
    printed = re.search(r"Also printed as</dt><dd>(.*?)</dd>", page, re.S)
    assert printed and f"“{shared[1].title}”" in printed[1] and f"#L{shared[1].line}" in printed[1]  # its line
    assert firsts[1].title in page
    assert page.count("<h1") == 1 and firsts[1].title in page.split("<h1", 1)[1].split("</h1>", 1)[0]


@pytest.mark.timeout(900)
def test_the_june_panel_people_and_rankings_come_through_the_api_and_the_chat_page(world: World) -> None:
    records = extract(JUNE)
    orgs = {o.slug: o.name for o in records.organisations}
    owen = _json(world, "/api/participants/owenpriceqi")
    [person] = [p for p in records.people if p.handle == "OwenPriceQI"]
    assert (
        sorted(a["id"] for a in owen["affiliations"]) == sorted(person.affiliations) and len(person.affiliations) == 2
    )
    kemi = _json(world, "/api/participants/KemiAdebayoQI")
    assert kemi["display_names"] == ["🌟 Kemi Adebayo"]
    page = _html(world, "/id/chat/2023-06-27")
    for person in (p for p in records.people if p.handle in records.panel):  # named, card or none
        assert f"{person.name} (@{person.handle})" in page or f"(@{person.handle})" in page, person.handle
    assert "Hana Novak (@HanaNovakQI)" in page  # a panel member with no card of her own: named as on the panel
    for slug in {s for p in records.people if p.handle in records.panel for s in p.affiliations}:
        assert orgs[slug].replace("&", "&amp;") in page, slug
    assert "Most mentioned" in page  # the fourth ranking of the influencer table
    nicola = _json(world, "/api/participants/DrNicolaBurgess")
    assert "2023-06-27" in {q["chat"] for q in nicola["quotes"]}  # the quoted tweet is hers


@pytest.mark.timeout(900)
def test_the_june_reports_html_in_the_words_is_text_on_its_pages(world: World) -> None:
    for path in ("/id/chat/2023-06-27", "/id/participant/kemiadebayoqi", "/report/leadingqi-2023-06-27"):
        page = _html(world, path)
        assert "<img src=x" not in page and "<script>alert" not in page, path
        if "chat" not in path:  # the chat page shows the panel and the counts, not the tweets' words
            assert "&lt;img src=x onerror=alert(1)&gt;" in page, path


@pytest.mark.timeout(900)
def test_removing_the_chats_gives_back_the_build_byte_for_byte(world: World) -> None:
    assert world.files() != world.seed_only
    for chat in ("2023-05-30", "2023-06-27", "2023-04-25"):
        _run("remove", chat, "--out", str(world.out), "--no-reason", "--registry", str(world.registry))
    assert world.files() == world.seed_only
    assert not any((world.folder / r.name).exists() for r in (APR, MAY, JUNE))
