"""Pages of at most ``max_page_size`` rows, each with a ``next`` link to follow (as Power BI's Web connector does)."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    # A page is a number: "last", which DRF takes by default, is refused like any other word.
    last_page_strings = ()

    def get_page_number(self, request, paginator):
        # A page is a whole number from 1: an empty or other value is refused, not read as the first page.
        asked = request.query_params.getlist(self.page_query_param)
        if not asked:
            return 1
        if len(asked) == 1 and asked[0].isascii() and asked[0].isdigit() and int(asked[0]) >= 1:
            return asked[0]
        raise ValidationError({self.page_query_param: ["Give a whole number from 1."]})

    def get_page_size(self, request):
        # A page size that is not a whole number from 1 to the most is refused, not quietly replaced.
        asked = request.query_params.getlist(self.page_size_query_param)
        if not asked:
            return self.page_size
        if len(asked) == 1 and asked[0].isascii() and asked[0].isdigit() and 1 <= int(asked[0]) <= self.max_page_size:
            return int(asked[0])
        raise ValidationError({self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]})

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        # The same links as headers, for the CSV form, whose body has no room for them.
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (("next", self.get_next_link()), ("prev", self.get_previous_link()))
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        response["X-Total-Count"] = str(self.page.paginator.count)
        return response
