"""The pages of the jobs app, each a row of the permission matrix (atf/tests/test_permission_matrix.py)."""

# url name -> the arguments to reverse it with.
JOB_PAGES: dict[str, list] = {}
