from django.core.management.base import BaseCommand

from cases.devdata.demo import DEMO_PASSWORD, seed


class Command(BaseCommand):
    help = (
        "Create the demo offices (Demo County and Neighbor County), their users and cases. "
        "Idempotent: what already exists is left as it is."
    )

    def handle(self, *args, **options):
        logins = seed()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Demo logins:"))
        for office, username, role in logins:
            self.stdout.write(f"  {username:<20} {DEMO_PASSWORD}   {role}, {office}")
