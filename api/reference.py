"""The API's reference page, read from its own OpenAPI schema: every operation, its parameters and fields.

A page of ours in the site's design, rather than a schema viewer's, so that it is read as every other page
is (keyboard, screen reader, axe) and says the same as the schema, which it is made from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from drf_spectacular.generators import SchemaGenerator

HIDDEN_PARAMETERS = {"format", "page", "page_size"}  # said once, at the top of the page


@dataclass
class Row:
    name: str
    type: str
    description: str


@dataclass
class Operation:
    path: str
    summary: str
    description: str
    anchor: str
    parameters: list[Row] = field(default_factory=list)
    fields: list[Row] = field(default_factory=list)
    paged: bool = False


@lru_cache(maxsize=1)
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(raw: dict, node: dict) -> dict:
    while "$ref" in node:
        node = raw["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _type(raw: dict, node: dict) -> str:
    node = _resolve(raw, node) if "$ref" in node else node
    if "allOf" in node:
        return " or ".join(_type(raw, part) for part in node["allOf"])
    if "oneOf" in node:
        return " or ".join(_type(raw, part) for part in node["oneOf"])
    if "enum" in node:
        return "one of: " + ", ".join(str(value) for value in node["enum"] if value not in ("", None))
    kind = node.get("type", "object")
    if kind == "array":
        return f"list of {_type(raw, node.get('items', {}))}"
    if node.get("format") in {"date", "date-time"}:
        return {"date": "date (ISO 8601)", "date-time": "date and time (ISO 8601)"}[node["format"]]
    return {"integer": "whole number", "number": "number", "boolean": "true or false", "string": "text"}.get(kind, kind)


# What an id names, where the schema says only "integer": each links to that resource's own address.
LINKS = {
    "id": "This row's id: stable, for joining and for its own address.",
    "round": "The stocktake round's id (/api/v1/rounds/).",
    "theme": "The Marmot theme's id (/api/v1/themes/).",
    "framework": "The framework's id (/api/v1/frameworks/).",
    "system_recommendation": "The system recommendation's id (/api/v1/system-recommendations/).",
    "recommendation": "The recommendation's id (/api/v1/recommendations/).",
    "recommendations": "The ids of the recommendations it is linked to (/api/v1/recommendations/).",
    "indicator": "The beacon indicator's id (/api/v1/indicators/).",
    "indicators": "The ids of the beacon indicators it is linked to (/api/v1/indicators/).",
    "place": "The place's id (/api/v1/places/).",
    "places": "The ids of the places it names (/api/v1/places/).",
    "column_place": "The place whose activity column holds it (/api/v1/places/); empty for the borough column.",
    "parent": "The id of the place it is part of.",
    "system": "The id of the ICS it belongs to.",
    "commission": "The commission's id (/api/v1/commissions/).",
    "meeting": "The meeting's id (/api/v1/meetings/).",
    "version": "Goes up by one with each saved change.",
}


def _description(node: dict, name: str = "") -> str:
    # drf-spectacular lists an enum's labels as "* `a` - A" lines: the type column already names the values.
    text = node.get("description", "").split("* `", 1)[0].strip()
    return text or LINKS.get(name, "")


def _fields(raw: dict, node: dict) -> tuple[list[Row], bool]:
    node = _resolve(raw, node)
    paged = "results" in node.get("properties", {})
    if paged:
        node = _resolve(raw, node["properties"]["results"]["items"])
    elif node.get("type") == "array":
        node = _resolve(raw, node["items"])
    rows = [
        Row(name, _type(raw, value), _description(value) or _description(_resolve(raw, value), name))
        for name, value in node.get("properties", {}).items()
    ]
    return rows, paged


def operations() -> list[Operation]:
    raw = schema()
    found = []
    for path, methods in raw["paths"].items():
        operation = methods.get("get")
        if operation is None:
            continue
        ok = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        fields, paged = _fields(raw, ok)
        found.append(
            Operation(
                path=path,
                summary=operation.get("summary", ""),
                description=operation.get("description", ""),
                anchor=operation["operationId"].replace("_", "-"),
                parameters=[
                    Row(p["name"], _type(raw, p.get("schema", {})), _description(p, p["name"]))
                    for p in operation.get("parameters", [])
                    if p["name"] not in HIDDEN_PARAMETERS
                ],
                fields=fields,
                paged=paged,
            )
        )
    return found
