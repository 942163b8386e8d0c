"""A person's own notifications and their settings: nobody sees or changes anyone else's."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from atf import access

from .models import SECURITY_KINDS, Kind, Notification, Setting

PER_PAGE = 25


def shown_to(user):
    """The person's own notifications (the tenant rule: ``atf.access.PERSONAL``) that they list on their pages."""
    return Notification.objects.for_user(user, access.VIEW).filter(shown=True)


def latest_for(user, count: int = 5) -> dict:
    """For the home page: the newest few and how many are unread, in two queries."""
    shown = shown_to(user)
    return {"latest": list(shown[:count]), "unread": shown.filter(read_at__isnull=True).count()}


@require_safe
def notification_list(request):
    shown = shown_to(request.user)
    unread_only = request.GET.get("show") == "unread"
    if unread_only:
        shown = shown.filter(read_at__isnull=True)
    page = Paginator(shown, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread_only": unread_only, "unread": shown_to(request.user).filter(read_at=None).count()},
    )


def _own(request, pk) -> Notification:
    return get_object_or_404(shown_to(request.user), pk=pk)


@require_safe
def notification_open(request, pk):
    """Follow a notification to the page to act on, marking it read. Only ever to a page of this site."""
    notification = _own(request, pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=timezone.now())
    if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("notifications:list")


@require_POST
def notification_mark(request, pk):
    notification = _own(request, pk)
    read = request.POST.get("read") != "no"
    Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now() if read else None)
    messages.success(request, f"“{notification.subject}” is marked as {'read' if read else 'unread'}.")
    return _back(request)


@require_POST
def notification_mark_all(request):
    count = shown_to(request.user).filter(read_at=None).update(read_at=timezone.now())
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    return _back(request)


def _back(request):
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) and back.startswith("/"):
        return redirect(back)
    return redirect("notifications:list")


def kinds_for(user) -> set[str]:
    """The kinds the person's roles and seats bring them now; the others are offered apart, for roles to come."""
    scope = access.scope_for(user)
    kinds = set(SECURITY_KINDS)
    if scope.lead_places or scope.superuser:
        kinds |= {Kind.ROUND_OPENED, Kind.DEADLINE_REMINDER, Kind.DEADLINE_PASSED, Kind.RETURN_REVIEWED}
    if scope.reviewer_systems or scope.superuser:
        kinds |= {Kind.RETURN_SUBMITTED, Kind.DEADLINE_PASSED}
    if scope.secretariat_commissions or scope.superuser:
        kinds |= {Kind.ACTION_ASSIGNED, Kind.ACTION_DUE, Kind.ACTIONS_DIGEST}
    if user.commission_seats.exists():
        kinds |= {Kind.ACTION_ASSIGNED, Kind.ACTION_DUE, Kind.MINUTES}
    return kinds


class SettingsForm(forms.Form):
    """Two boxes for each kind that may be turned off: by email, on the home page."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        saved = {s.kind: s for s in Setting.objects.for_user(user, access.VIEW)}
        self.rows = []
        for kind, label in Kind.choices:
            if kind in SECURITY_KINDS:
                self.rows.append({"kind": kind, "label": label, "always": True})
                continue
            setting = saved.get(kind)
            for channel in ("by_email", "on_home_page"):
                self.fields[f"{kind}__{channel}"] = forms.BooleanField(
                    required=False,
                    initial=getattr(setting, channel) if setting else True,
                    label=f"{label}: {'by email' if channel == 'by_email' else 'on the home page'}",
                )
            self.rows.append(
                {
                    "kind": kind,
                    "label": label,
                    "email": self[f"{kind}__by_email"],
                    "page": self[f"{kind}__on_home_page"],
                }
            )
        held = kinds_for(user)
        self.yours = [row for row in self.rows if row["kind"] in held]
        self.others = [row for row in self.rows if row["kind"] not in held]

    def choices(self) -> dict[str, dict[str, bool]]:
        return {
            kind: {channel: self.cleaned_data[f"{kind}__{channel}"] for channel in ("by_email", "on_home_page")}
            for kind in Kind.values
            if kind not in SECURITY_KINDS
        }


def notification_settings(request):
    # Every box unticked posts nothing but the CSRF token: still a choice to save.
    form = SettingsForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for kind, channels in form.choices().items():
                Setting.objects.update_or_create(user=request.user, kind=kind, defaults=channels)
        messages.success(request, "Your notification settings are saved. They apply to what is sent from now on.")
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form, "has_email": bool(request.user.email)})
