"""The bearer-token scheme in the OpenAPI schema, so that its readers (and schemathesis) know how to sign in."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token made on the API tokens page: Authorization: Bearer atf_...",
        }


ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "For each query parameter refused, what was wrong with it.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def document_error_responses(result, generator, request, public):
    """The answers other than 200 that every operation may give, so that clients (and the tests) expect them."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"], schemas["FieldErrors"] = ERROR, FIELD_ERRORS

    def answer(description, schema):
        content = {"$ref": f"#/components/schemas/{schema}"}
        return {"description": description, "content": {"application/json": {"schema": content}}}

    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", answer("No token or session, or a token that is not valid.", "Error"))
            responses.setdefault(
                "403", answer("Signed in, but refused (a session request without its CSRF token).", "Error")
            )
            responses.setdefault("429", answer("Too many requests for this token: wait, then try again.", "Error"))
            if "{" in path:
                responses.setdefault("404", answer("No such row, or one the reader may not view.", "Error"))
            for parameter in operation.get("parameters", []):
                # An empty filter is no filter, as on the pages' filter forms (?round=&status=submitted), and an
                # empty format is JSON.
                if parameter.get("in") == "query" and parameter["name"] not in {"page", "page_size"}:
                    parameter["allowEmptyValue"] = True
            if any(parameter.get("in") == "query" for parameter in operation.get("parameters", [])):
                responses.setdefault("400", answer("A query parameter was refused.", "FieldErrors"))
                responses.setdefault("404", answer("A page past the last one.", "Error"))
    return result
