"""The list endpoints as CSV (``?format=csv`` or ``Accept: text/csv``), for Excel and Power BI.

One row per result; a nested object's fields become ``parent.field`` columns and a list of ids
becomes one cell of ids separated by "; ". Text that a spreadsheet would run as a formula is
written so that it is read as text (atf.outputs).
"""

from __future__ import annotations

from rest_framework.renderers import BaseRenderer

from atf.outputs import csv_bytes


def _flatten(row: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            if all(not isinstance(item, dict | list) for item in value):
                flat[name] = "; ".join("" if item is None else str(item) for item in value)
            else:
                flat[name] = f"{len(value)} items: see the JSON form"
        else:
            flat[name] = value
    return flat


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data]
        flat = [_flatten(row) if isinstance(row, dict) else {"value": row} for row in rows]
        columns: list[str] = []
        for row in flat:
            for key in row:
                if key not in columns:
                    columns.append(key)
        response = (renderer_context or {}).get("response")
        view = (renderer_context or {}).get("view")
        if response is not None and view is not None and response.status_code < 400:
            name = getattr(view, "basename", None) or "results"
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return csv_bytes([columns, *([row.get(c) for c in columns] for row in flat)])
