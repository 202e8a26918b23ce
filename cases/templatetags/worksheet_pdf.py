"""The worksheet page's PDF panel (templates/worksheets/_pdf.html): the copies issued so far."""

from django import template

from ..worksheet_print import issued_copies

register = template.Library()


@register.simple_tag(takes_context=True)
def worksheet_pdf_copies(context, worksheet):
    """The distinct PDFs issued of a signed worksheet that this reader may be listed, newest
    first (one query). Without a signed-in reader in the context, none."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return issued_copies(worksheet, user)
