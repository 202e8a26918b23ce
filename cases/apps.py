from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    from .roles import sync_role_groups

    sync_role_groups()


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases and worksheets"

    def ready(self):
        # Permissions only exist after migrate's post_migrate step, so groups are synced there.
        post_migrate.connect(_sync_roles, sender=self)
        # Signing asks for the password again when the login is old (cases.reauth).
        from django.contrib.auth.signals import user_logged_in

        from .reauth import remember_login_time

        user_logged_in.connect(remember_login_time, dispatch_uid="considered_login_time")
        # Security: audited log-in events, and the guard that keeps signed worksheets frozen.
        from . import auth_events, checks, frozen  # noqa: F401 (checks registers on import)

        auth_events.connect()
        frozen.connect()
