from atf import grants
from atf.management.role_command import RoleCommand


class Command(RoleCommand):
    help = "Grant a role: grant USER ROLE PLACE_OR_COMMISSION (roles: ics_reviewer, borough_lead, secretariat, viewer)."

    def act(self, user, role, where, by):
        return grants.grant(user, role, where, by=by)

    def message(self, user, role, where, done):
        membership, created = done
        return f"{user} is {membership.get_role_display()} at {where}." + ("" if created else " (already)")
