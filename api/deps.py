"""FastAPI dependencies: the settings, the graph service, its catalogue, templates and paging parameters."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from api.errors import ApiError
from api.state import GraphService
from kg.indexes.catalogue import Catalogue
from kg.settings import Settings

TEMPLATES = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
)


# The dependencies are `async def` because they never block (the catalogue is built at start-up and only looked up
# here): sync ones would each cost a hop through the thread pool on every request.


async def get_service(request: Request) -> GraphService:
    service = getattr(request.app.state, "service", None)
    if service is None:
        raise ApiError(503, "not ready", "the graph is not loaded yet")
    return service


async def get_settings(service: Annotated[GraphService, Depends(get_service)]) -> Settings:
    return service.settings


async def get_catalogue(service: Annotated[GraphService, Depends(get_service)]) -> Catalogue:
    return service.catalogue()


ServiceDep = Annotated[GraphService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    def of(self, items: list[Any]) -> dict[str, Any]:
        """The paginated envelope every list uses."""
        return {
            "total": len(items),
            "limit": self.limit,
            "offset": self.offset,
            "items": items[self.offset : self.offset + self.limit],
        }


async def get_page(
    limit: Annotated[int, Query(ge=1, le=500, description="items per page (at most 500)")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")] = 0,
) -> Page:
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(get_page)]

# Text parameters are bounded so a very long input is a clear 422, not work for the server.
TEXT_MAX = 500
