"""``Authorization: Bearer <token>`` for the API, with a personal access token (api.models.AccessToken)."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from .models import AccessToken


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session may still authenticate
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the token as 'Authorization: Bearer <token>', with no spaces.")
        try:
            token = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        row = AccessToken.find(token)
        if row is None:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        if row.revoked is not None:
            raise exceptions.AuthenticationFailed("The token was revoked. Make a new one on your API tokens page.")
        if row.expired:
            raise exceptions.AuthenticationFailed("The token has expired. Make a new one on your API tokens page.")
        if not row.user.is_active:
            raise exceptions.AuthenticationFailed("The token's account is not active.")
        row.note_use()
        return row.user, row

    def authenticate_header(self, request):
        # A 401, not a 403, to a request without credentials: it says how to send them.
        return f'{self.keyword} realm="api"'
