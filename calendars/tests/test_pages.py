"""The pages of the calendars app, each a row of the permission matrix (atf/tests/test_permission_matrix.py)."""

# url name -> the arguments to reverse it with.
CALENDAR_PAGES: dict[str, list] = {}
