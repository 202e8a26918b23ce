"""Deployment checks (`manage.py check --deploy`) for what the Python packages cannot pin."""

from django.core.checks import Error, Tags, Warning, register


@register(Tags.compatibility, deploy=True)
def harfbuzz_subsetter(app_configs, **kwargs):
    """Without HarfBuzz's subsetter WeasyPrint falls back to fontTools, which makes every PDF
    about twice as slow (the fonts are parsed in Python on each render)."""
    from weasyprint.text.ffi import harfbuzz_subset

    if harfbuzz_subset is not None:
        return []
    return [
        Warning(
            "HarfBuzz's font subsetter (libharfbuzz-subset0) is not installed; worksheet PDFs "
            "will render about twice as slowly.",
            hint="Install the Debian package libharfbuzz-subset0 (see README.md).",
            id="considered.W001",
        )
    ]


@register(Tags.security)
def single_sign_on_role_map(app_configs, **kwargs):
    """OIDC_ROLE_MAP names only existing offices and known roles (cases.sso.role_map_problems).

    `migrate` (run by `make run` and `make serve`) and `check` stop on these errors, so a map that
    would give nobody, or the wrong people, access never reaches a running server. The offices
    are read from the database; before the first migration only the roles can be checked.
    """
    from django.conf import settings
    from django.db import DatabaseError

    from .models import Office
    from .sso import role_map_problems

    if not settings.OIDC_ISSUER and not settings.OIDC_ROLE_MAP:
        return []
    try:
        slugs = set(Office.objects.values_list("slug", flat=True))
    except DatabaseError:
        slugs = None
    return [
        Error(problem, hint="See docs/sso.md, \u201cThe role map\u201d.", id="considered.E010")
        for problem in role_map_problems(settings.OIDC_ROLE_MAP, slugs)
    ]
