"""The worksheet page's PDF panel (templates/worksheets/_pdf.html): the copies issued so far."""

from django import template

from ..worksheet_print import issued_copies

register = template.Library()


@register.simple_tag
def worksheet_pdf_copies(worksheet):
    """The distinct PDFs issued of a signed worksheet, newest first (one query)."""
    return issued_copies(worksheet)
