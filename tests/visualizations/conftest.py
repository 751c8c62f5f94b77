"""Shared fixtures for the graph view's tests: the small made-up chat and a headless Chromium.

The fixture graph (fixtures/mini.trig) follows the vocabulary and includes a quote and a resource title made of
markup (`<img onerror>`, `<script>`, `</script>`), to prove the page shows data as text and runs none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import Dataset

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def mini() -> Dataset:
    dataset = Dataset()
    dataset.parse(FIXTURES / "mini.trig", format="trig")
    return dataset


@dataclass
class Visit:
    """One opened page and everything it said or asked for."""

    page: object
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def js(self, expression: str, arg: object = None) -> object:
        return self.page.evaluate(expression, arg)


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., Visit]]:
    contexts = []

    def _open(url: str, width: int = 1400, height: int = 900) -> Visit:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        visit = Visit(page)
        page.on("console", lambda m: visit.errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: visit.errors.append(str(e)))
        page.on("request", lambda r: visit.requests.append(r.url))
        page.goto(url)
        page.wait_for_function("window.qikgReady === true", timeout=60_000)
        return visit

    yield _open
    for context in contexts:
        context.close()
