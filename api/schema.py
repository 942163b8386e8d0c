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
