"""The pages of the notifications app, each a row of the permission matrix (atf/tests/test_permission_matrix.py)."""

# url name -> the arguments to reverse it with.
NOTIFICATION_PAGES: dict[str, list] = {}
