"""Does /openapi.json say what each JSON route answers? Every route that answers JSON of its own has a response
model, and the schema of its 200 answer names the fields (not a bare object), so clients and schemathesis
(tests/api/test_contract.py, which validates every answer against it) can rely on it."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute
from starlette.responses import JSONResponse

from api.main import ROUTERS, app


def _json_routes() -> list[APIRoute]:
    """The routes FastAPI answers with JSON (a page or a file download declares its own response class)."""
    routes = []
    for route in (route for router in ROUTERS for route in router.routes):
        if isinstance(route, APIRoute) and route.include_in_schema:
            response_class = getattr(route.response_class, "value", route.response_class)
            if issubclass(response_class, JSONResponse):
                routes.append(route)
    return routes


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _names_its_fields(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    schema = _resolve(schema, components)
    if schema.get("type") == "array":
        return _names_its_fields(schema.get("items", {}), components)
    return bool(schema.get("properties"))


def test_the_json_routes_are_the_api_health_and_the_dump_list() -> None:
    paths = {route.path for route in _json_routes()}
    assert {"/health", "/api/themes", "/api/themes/{theme_id:path}", "/api/search", "/download"} <= paths
    assert not paths & {"/", "/sparql", "/graph", "/ontology", "/id/{path:path}", "/download/{name}"}


def test_every_json_route_has_a_response_model() -> None:
    missing = [route.path for route in _json_routes() if route.response_model is None]
    assert not missing, f"routes without a response model (OpenAPI cannot say what they answer): {missing}"


def test_every_json_route_documents_the_fields_of_its_answer() -> None:
    schema = app.openapi()
    components = schema["components"]["schemas"]
    bare = []
    for route in _json_routes():
        path = route.path_format
        for method in route.methods:
            answer = schema["paths"][path][method.lower()]["responses"]["200"]["content"]["application/json"]
            if not _names_its_fields(answer.get("schema", {}), components):
                bare.append(f"{method} {path}")
    assert not bare, f"200 answers documented as a bare object: {bare}"


def test_a_source_line_is_a_number_or_null_wherever_it_appears() -> None:
    components = app.openapi()["components"]["schemas"]
    lines = {name: s["properties"]["line"] for name, s in components.items() if "line" in s.get("properties", {})}
    assert lines, "no schema has a source line"
    for name, line in lines.items():
        types = {option.get("type") for option in line.get("anyOf", [line])}
        assert types == {"integer", "null"}, (name, line)
