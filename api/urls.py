from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import pages, views

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("places", views.PlaceViewSet, basename="place")
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("system-recommendations", views.SystemRecommendationViewSet, basename="system-recommendation")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("rounds", views.RoundViewSet, basename="round")
router.register("returns", views.ReturnViewSet, basename="return")
router.register("entries", views.EntryViewSet, basename="entry")
router.register("indicator-values", views.IndicatorValueViewSet, basename="indicator-value")
router.register("commissions", views.CommissionViewSet, basename="commission")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("actions", views.ActionViewSet, basename="action")


def _authenticated_by_the_api(pattern):
    # (Django REST framework's views already opt out of LoginRequiredMiddleware; said here, where it is relied on.)
    # The API answers a request without credentials itself, with a 401 that says how to send a token,
    # not with the sign-in page: its views authenticate (token or session) and require a user.
    pattern.callback = login_not_required(pattern.callback)
    return pattern


urlpatterns = [
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.revoke, name="token_revoke"),
    _authenticated_by_the_api(path("v1/schema/", SpectacularAPIView.as_view(), name="schema")),
    # The documentation, a page of the site's (for people signed in), made from the schema.
    path("v1/docs/", pages.reference, name="docs"),
    _authenticated_by_the_api(path("v1/", views.RootView.as_view(), name="root")),
    path("v1/", include([_authenticated_by_the_api(pattern) for pattern in router.urls])),
    # Anything else under /api/v1/ (an id that is not a number, a misspelt resource) is the API's JSON 404.
    re_path(r"^v1/", views.not_found, name="not_found"),
]
