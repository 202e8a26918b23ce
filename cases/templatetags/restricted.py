"""Template tags for restricted information: `{% load restricted %}`.

    {% if request.user|can_see_status %} … {% endif %}
    {% for disclosure in case|status_disclosures:request.user %} … {% endfor %}
    {% with content=content|without_status:request.user %} … {% endwith %}

Pages, exports and the PDF use these (or `cases.security` directly), never
`case.status_disclosures` or a content dict's "status_disclosure" unfiltered.
"""

from django import template

from .. import security

register = template.Library()


@register.filter
def can_see_status(user):
    return security.can_see_status(user)


@register.filter
def status_disclosures(case, user):
    return security.status_disclosures_for(user, case)


@register.filter
def without_status(content, user):
    return security.redact_status(content, user)
