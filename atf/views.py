from django.shortcuts import render


def home(request):
    """The signed-in user's starting page."""
    return render(request, "home.html", {"memberships": request.user.memberships.select_related("place", "commission")})
