"""The graph's dumps, straight from the build folder (a fixed list of names: nothing else can be read)."""

from __future__ import annotations

import json
import re
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, Response

from api.deps import TEMPLATES, SettingsDep
from api.errors import ApiError, documented
from api.negotiation import choose
from api.schemas.common import Paged
from api.schemas.service import DumpOut

router = APIRouter(prefix="/download", tags=["download"])
DUMPS = {
    "qikg.ttl": ("text/turtle", "Turtle, all graphs merged"),
    "qikg.nt": ("application/n-triples", "N-Triples, all graphs merged"),
    "qikg.jsonld": ("application/ld+json", "JSON-LD"),
    "qikg.trig": ("application/trig", "TriG, with the named graphs"),
    "qikg.gexf": ("application/gexf+xml", "GEXF network for Gephi"),
    "manifest.json": ("application/json", "what the build read and counted"),
}
# what each dump holds, for the page a browser gets (the JSON list keeps the short description)
HOLDS = {
    "qikg.ttl": "every statement of every graph (the chats, the ontology, the thesaurus, the inferred types) merged "
    "into one, with prefixes: to read, or for rdflib",
    "qikg.nt": "the same statements one per line, no prefixes: for grep, diff and bulk loaders",
    "qikg.jsonld": "the same statements as JSON-LD: for JSON tools",
    "qikg.trig": "the same statements, each in its named graph (one per chat's report, the ontology, the thesaurus, "
    "the inferred types): for a quad store",
    "qikg.gexf": "the graph's nodes (people, quotes, resources, themes, organisations...) and the links between them, "
    "each node with its types and source line: for Gephi",
    "manifest.json": "what the build read (its inputs and their SHA-256), what it counted and wrote, its warnings "
    "and timings",
}


@router.get(
    "",
    summary="The dumps that can be downloaded (JSON; an HTML page for browsers, by Accept)",
    response_model=Paged[DumpOut],
    responses={200: {"content": {"text/html": {}}}},
)
def list_dumps(
    request: Request,
    settings: SettingsDep,
    format: Annotated[Literal["json", "html"] | None, Query(description="overrides Accept")] = None,
) -> Any:
    items: list[dict[str, Any]] = [
        {
            "name": name,
            "media_type": media,
            "description": text,
            "url": f"/download/{name}",
            "bytes": len(_served_manifest(settings.data_dir / name))
            if name == "manifest.json"
            else (settings.data_dir / name).stat().st_size,
        }
        for name, (media, text) in DUMPS.items()
        if (settings.data_dir / name).is_file()
    ]
    listing = {"total": len(items), "limit": len(items), "offset": 0, "items": items}
    accept = request.headers.get("accept")
    # JSON unless the client prefers HTML (a browser); an Accept that fits neither still gets the JSON, as before
    wanted = format or (
        # the raw header: normalise_accept reads application/json as the SPARQL JSON types, which this list lacks
        "html" if choose(accept, _OFFERED) == "text/html" else "json"
    )
    if wanted == "json":
        return listing
    rows = [
        {**item, "holds": HOLDS.get(item["name"], item["description"]), "size": human_size(item["bytes"])}
        for item in items
    ]
    return TEMPLATES.TemplateResponse(request, "download.html", {"dumps": rows})


_OFFERED = ["application/json", "text/html"]


def human_size(size: int) -> str:
    """Bytes as a reader says them (1,234 bytes, 15.2 kB, 3.4 MB): powers of 1000, as file managers show them."""
    if size < 1000:
        return f"{size:,} byte" + ("" if size == 1 else "s")
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 999.95 or unit == "TB":
            return f"{value:,.1f} {unit}"
    raise AssertionError("unreachable")


@router.get(
    "/{name}",
    response_class=Response,
    summary="One dump: qikg.ttl, qikg.nt, qikg.jsonld, qikg.trig, qikg.gexf, manifest.json",
    responses={200: {"content": {m: {} for m, _ in DUMPS.values()}}, **documented(404)},
)
def download(settings: SettingsDep, name: str = Path(max_length=100)) -> Response:
    if name not in DUMPS:
        raise ApiError(404, "unknown dump", f"available: {', '.join(DUMPS)}", suggestions=list(DUMPS))
    path = settings.data_dir / name
    if not path.is_file():
        raise ApiError(404, "not built", f"{name} is missing from the build; run `qikg build`")
    if name == "manifest.json":  # it names the files the build read: no absolute path of this machine leaves it
        return Response(
            _served_manifest(path),
            media_type=DUMPS[name][0],
            headers={"content-disposition": 'attachment; filename="manifest.json"'},
        )
    return FileResponse(path, media_type=DUMPS[name][0], filename=name)


def _served_manifest(path: FilePath) -> bytes:
    """The manifest as the build wrote it (same layout), with absolute paths cut to their file names."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ApiError(503, "not readable", "the build's manifest cannot be read; run `qikg build`") from None
    return (json.dumps(_without_local_paths(manifest), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


_ABSOLUTE = re.compile(r"(?<![\w:./\\-])/(?:[^/\s:]+/)*([^/\s:]+)")  # /a/b/c.yaml, not kg/a or a URL


def _without_local_paths(value: object) -> object:
    """The manifest with every absolute path (in keys and values, also inside messages) cut to its file name."""
    if isinstance(value, dict):
        return {_without_local_paths(k): _without_local_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_local_paths(v) for v in value]
    if isinstance(value, str):
        return _ABSOLUTE.sub(lambda m: m.group(1), value)
    return value
