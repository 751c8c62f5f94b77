"""Is the written page one offline file that carries the data as inert JSON?"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from rdflib import Dataset

from visualizations.model import full_graph, overview_graph
from visualizations.render import payload, render_html, safe_json, write_graph_html


class Scan(HTMLParser):
    """Collects every tag's attributes and each script's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None


def scan(html: str) -> Scan:
    parser = Scan()
    parser.feed(html)
    return parser


def test_safe_json_cannot_close_a_script_element_and_round_trips() -> None:
    data = {"t": "</script><script>alert(1)</script> <!-- & -->"}
    text = safe_json(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


def test_the_page_has_three_scripts_and_the_data_parses_back(mini: Dataset) -> None:
    page = scan(render_html(mini))
    kinds = [attrs.get("type") for attrs, _ in page.scripts]
    assert kinds == ["application/json", None, None]
    data = json.loads(page.scripts[0][1])
    assert data == json.loads(json.dumps(payload(mini)))


def test_markup_in_the_data_never_appears_as_markup_in_the_page(mini: Dataset) -> None:
    html = render_html(mini)
    assert "<img" not in html
    assert "qikgXss" in html  # the words are there, but only inside the escaped JSON
    assert html.count("</script>") == 3
    assert "window.qikgXss=3</script>" not in html


def test_the_page_names_no_other_host_as_a_resource(mini: Dataset) -> None:
    page = scan(render_html(mini))
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "data", "action", "poster"):
            assert attrs.get(name) is None, f"<{tag} {name}=...> would load something"
    css = re.findall(r"<style>(.*?)</style>", render_html(mini), flags=re.S)
    assert css and not any(re.search(r"@import|url\(", block) for block in css)


def test_both_views_are_in_the_page_with_the_graphs_node_counts(mini: Dataset) -> None:
    data = payload(mini, mode="overview")
    full = full_graph(mini)
    assert data["mode"] == "overview"
    assert len(data["views"]["full"]["nodes"]) == full.number_of_nodes()
    assert len(data["views"]["overview"]["nodes"]) == overview_graph(full).number_of_nodes()
    assert {n["id"] for n in data["views"]["full"]["nodes"]} == set(full.nodes)
    assert data["views"]["full"]["options"]["physics"]["enabled"] is False
    assert all("x" in n and "y" in n for n in data["views"]["full"]["nodes"])


def test_the_theme_list_is_the_thesaurus_tree_with_lessons_first(mini: Dataset) -> None:
    themes = payload(mini)["themes"]
    order = [(t["id"], t["depth"]) for t in themes]
    assert order.index(("theme/huddles", 1)) < order.index(("theme/safety-huddles", 2))
    assert themes[0]["depth"] == 0
    assert len(themes) == sum(1 for _, k in full_graph(mini).nodes(data="kind") if k == "theme")


def test_write_graph_html_writes_one_readable_file(mini: Dataset, tmp_path: Path) -> None:
    target = tmp_path / "out" / "graph.html"
    written = write_graph_html(mini, target, mode="full", base_url="http://127.0.0.1:8000/")
    assert written == target
    assert [p.name for p in target.parent.iterdir()] == ["graph.html"]
    data = json.loads(scan(target.read_text(encoding="utf-8")).scripts[0][1])
    assert data["baseUrl"] == "http://127.0.0.1:8000"
    assert target.stat().st_mode & 0o044 == 0o044


def test_the_same_graph_gives_the_same_page(mini: Dataset) -> None:
    assert render_html(mini) == render_html(mini)
