"""The permission matrix's world, with a meeting of one of everything, for the attack tests too."""

from atf.tests.test_permission_matrix import matrix_world  # noqa: F401
