"""One search page across minutes, decisions, actions and stocktake entries (see ``search.results``)."""

from django.shortcuts import render

from . import query, results
from .filters import SearchFilterSet

FILTERS = ("kind", "commission", "meeting", "date_from", "date_to", "round", "place")


def search(request):
    filterset = SearchFilterSet(request.GET or None, request=request)
    valid = filterset.is_valid()
    words = filterset.terms if valid else []
    context = {
        "filter": filterset,
        "form": filterset.form,
        "sections": results.sections(filterset, request.GET) if words else [],
        "words": words,
        # Show the filters open where one is in use or has a problem.
        "filters_open": any(request.GET.get(name) for name in FILTERS)
        or any(filterset.form[name].errors for name in FILTERS),
        "commission_chosen": getattr(filterset.form, "cleaned_data", {}).get("commission"),
        "max_terms": query.MAX_TERMS,
        "max_chars": query.MAX_QUERY_CHARS,
    }
    return render(request, "search/search.html", context)
