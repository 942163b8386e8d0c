"""The indicator pages: the tartan rug, an indicator's trend and monitoring view, and the values as files."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


rug = rug_csv = rug_xlsx = values_csv = indicator_detail = _todo
