from atf import grants
from atf.management.role_command import RoleCommand


class Command(RoleCommand):
    help = "Revoke a role: revoke USER ROLE PLACE_OR_COMMISSION."

    def act(self, user, role, where, by):
        return grants.revoke(user, role, where, by=by)

    def message(self, user, role, where, done):
        return f"{user} is no longer {role} at {where}." if done else f"{user} did not hold {role} at {where}."
