from django.core.management.base import BaseCommand

from cases.roles import sync_role_groups


class Command(BaseCommand):
    help = "Create or update one group per role with the permissions declared in cases/roles.py."

    def handle(self, *args, **options):
        groups = sync_role_groups()
        for group in groups.values():
            self.stdout.write(f"{group.name}: {group.permissions.count()} permissions")
