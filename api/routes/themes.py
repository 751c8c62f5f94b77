"""The thesaurus: the tree of themes with counts, and one theme with its quotes, questions and resources."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api import lookups
from api.deps import TEXT_MAX, CatalogueDep, PageDep, ServiceDep
from api.errors import documented
from api.schemas.common import Paged
from api.schemas.themes import ThemeDetail, ThemeOut
from kg.indexes.catalogue import Catalogue, Theme

router = APIRouter(prefix="/api/themes", tags=["themes"])


def _count(catalogue: Catalogue, iris: list[str], kind: str) -> int:
    return len(set().union(*(catalogue.tagged[i][kind] for i in iris if i in catalogue.tagged)) if iris else set())


def theme_json(catalogue: Catalogue, theme: Theme, depth: int = 0) -> dict[str, Any]:
    """A theme with labels, links and counts; `depth` levels of narrower themes nested under 'children'."""
    below = catalogue.descendants(theme.iri)
    out: dict[str, Any] = {
        "id": theme.slug,
        "iri": theme.iri,
        "url": catalogue.page(theme.iri),
        "label": theme.label,
        "alt_labels": theme.alt,
        "hidden_labels": theme.hidden,
        "lesson": theme.lesson,
        "broader": [catalogue.local_id(b, "theme") for b in theme.broader],
        "narrower": [catalogue.local_id(n, "theme") for n in theme.narrower],
        "counts": {
            "quotes": _count(catalogue, [theme.iri], "quote"),
            "questions": _count(catalogue, [theme.iri], "question"),
            "resources": _count(catalogue, [theme.iri], "resource"),
            "quotes_with_narrower": _count(catalogue, below, "quote"),
            "resources_with_narrower": _count(catalogue, below, "resource"),
        },
    }
    if depth > 0:
        out["children"] = [
            theme_json(catalogue, catalogue.themes[n], depth - 1) for n in theme.narrower if n in catalogue.themes
        ]
    return out


@router.get(
    "",
    summary="The thesaurus as a tree (top concepts, narrower themes nested), with counts",
    response_model=Paged[ThemeOut],
    response_model_exclude_unset=True,
)
def list_themes(
    catalogue: CatalogueDep,
    page: PageDep,
    flat: Annotated[bool, Query(description="list every theme, not only the top ones")] = False,
) -> dict[str, Any]:
    if flat:
        themes = sorted(catalogue.themes.values(), key=lambda t: t.label.casefold())
        return page.of([theme_json(catalogue, t) for t in themes])
    return page.of([theme_json(catalogue, t, depth=20) for t in catalogue.tops()])


@router.get(
    "/{theme_id:path}",
    summary="One theme (by id or any label, any case) with its quotes, questions, resources",
    responses=documented(404),
    response_model=ThemeDetail,
    response_model_exclude_unset=True,
)
def get_theme(
    service: ServiceDep,
    catalogue: CatalogueDep,
    page: PageDep,
    theme_id: Annotated[str, Path(max_length=TEXT_MAX, examples=["genba"])],
    include_narrower: bool = True,
) -> dict[str, Any]:
    theme = lookups.theme(catalogue, theme_id)
    scope = set(catalogue.descendants(theme.iri) if include_narrower else [theme.iri])
    quotes = [q for q in catalogue.quotes if scope & set(catalogue.item_themes.get(q["iri"], ()))]
    questions = [q for q in catalogue.questions if scope & set(catalogue.item_themes.get(q["iri"], ()))]
    resources = lookups.resources_for_theme(catalogue, theme, include_narrower)
    listed = page.of(quotes)
    listed["items"] = lookups.linked_quotes(service, catalogue, listed["items"])
    return {
        **theme_json(catalogue, theme, depth=1),
        "include_narrower": include_narrower,
        "quotes": listed,
        "questions": page.of(questions),
        "resources": page.of(resources),
    }
