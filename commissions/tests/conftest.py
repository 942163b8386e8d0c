"""The permission matrix's world (a meeting of one of everything in each commission), for the pages' tests."""

from atf.tests.test_permission_matrix import matrix_world  # noqa: F401
