"""python -m tests.sso_provider PORT: migrate, load PROVIDER_FIXTURE (JSON) and serve.

PROVIDER_FIXTURE: {"users": [{"username", "password", "email", "groups": [...],
"is_active"}], "clients": [{"client_id", "client_secret", "redirect_uris": [...]}]}.
"""

import json
import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.sso_provider.settings"

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402


def load(fixture):
    for entry in fixture.get("users", []):
        user = User.objects.create_user(
            entry["username"], email=entry.get("email", ""), password=entry["password"]
        )
        user.is_active = entry.get("is_active", True)
        user.save()
        for name in entry.get("groups", []):
            user.groups.add(Group.objects.get_or_create(name=name)[0])
    for entry in fixture.get("clients", []):
        Application.objects.create(
            name=entry["client_id"],
            client_id=entry["client_id"],
            client_secret=entry["client_secret"],
            redirect_uris=" ".join(entry["redirect_uris"]),
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the standard library's name
        pass


if __name__ == "__main__":
    call_command("migrate", verbosity=0, interactive=False)
    load(json.loads(os.environ.get("PROVIDER_FIXTURE", "{}")))
    httpd = ThreadedWSGIServer(("127.0.0.1", int(sys.argv[1])), QuietHandler)
    httpd.set_app(get_wsgi_application())
    print("listening", flush=True)
    httpd.serve_forever()
