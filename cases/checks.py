"""Deployment checks (`manage.py check --deploy`) for what the Python packages cannot pin."""

from django.core.checks import Tags, Warning, register


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
