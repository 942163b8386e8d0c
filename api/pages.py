"""The API's pages for people: their personal access tokens, and the API's documentation."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from atf import access

from .forms import TokenForm
from .models import AccessToken
from .reference import operations as reference_operations


def _own_tokens(user):
    return access.restrict(AccessToken.objects.all(), user, access.VIEW)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def tokens(request):
    form = TokenForm(request.POST or None)
    own = _own_tokens(request.user)
    active = [token for token in own if token.active]
    if request.method == "POST" and form.is_valid():
        if len(active) >= settings.API_TOKENS_PER_USER:
            form.add_error(
                None, f"You have {len(active)} active tokens, the most allowed. Revoke one you no longer use first."
            )
        else:
            row, token = AccessToken.make(request.user, form.cleaned_data["name"], form.cleaned_data["days"])
            # Shown on this response only (never stored, never in a redirect or a message), and not cached.
            return render(request, "api/token_made.html", {"row": row, "token": token})
    return render(
        request,
        "api/tokens.html",
        {"form": form, "active": active, "inactive": [t for t in own if not t.active][:20]},
        status=400 if form.errors else 200,
    )


@require_POST
def revoke(request, pk):
    row = get_object_or_404(access.restrict(AccessToken.objects.all(), request.user, access.CHANGE), pk=pk)
    if row.revoked is None:
        row.revoke()
        messages.success(request, f"The token “{row.name}” is revoked: anything that uses it is refused from now on.")
    return redirect("api:tokens")


@require_http_methods(["GET", "HEAD"])
def reference(request):
    """The API's documentation, for people signed in: how to authenticate, page and filter, and each operation."""
    return render(request, "api/reference.html", {"operations": reference_operations()})
