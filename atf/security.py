"""Response headers that Django's own security middleware does not set."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Send Permissions-Policy, turning off every browser feature in settings.PERMISSIONS_POLICY.

    No page uses the camera, the microphone, the user's location and the like,
    so none of them is allowed, for this site or anything it could embed.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
