"""Template helpers for the deputy's screens: the engine's identifiers in plain words.

The engine speaks in identifiers ("aggravated_felony", "assume_yes", "lpr"); these filters turn
them into the words a deputy reads, and the catalog version tag never breaks a page.
"""

from django import template
from django.template import engines

from consequences import engine
from consequences.catalog import CatalogError
from consequences.statuses import Ground, Status, Verdict

from .. import field_rendering, labels

register = template.Library()

# Labels by value, built once: `Enum.values` and `Enum(value).label` build lists and look members
# up at every call, and a case page calls these filters hundreds of times (issue 19).
_GROUND_LABELS = {member.value: member.label for member in Ground}
_VERDICT_LABELS = {member.value: member.label for member in Verdict}
_FLAGGED_VERDICTS = frozenset(member.value for member in Verdict if member.is_flagged)
_STATUS_LABELS = {member.value: member.label for member in Status}

_VERDICT_WORDS = {
    Verdict.YES: "Yes — the ground applies",
    Verdict.ASSUME_YES: "Assume yes — treat as applying",
    Verdict.UNCLEAR: "Unclear — may apply",
    Verdict.ARGUABLY_NOT: "Arguably not — a good argument it does not apply",
    Verdict.NO: "No — does not apply",
}


@register.filter
def ground_label(value):
    return _GROUND_LABELS.get(value, value)


@register.filter
def verdict_label(value):
    return _VERDICT_LABELS.get(value, value)


@register.filter
def verdict_words(value):
    return _VERDICT_WORDS.get(value, value)


@register.filter
def is_flagged(flag):
    """A flag dict counts as flagged when its verdict is yes, assume yes or unclear."""
    verdict = flag.get("verdict") if isinstance(flag, dict) else None
    return verdict in _FLAGGED_VERDICTS


@register.filter
def status_labels(values):
    """The statuses a flag matters for, in words; every status when the engine lists none."""
    labels = [_STATUS_LABELS[v] for v in values or () if v in _STATUS_LABELS]
    return ", ".join(labels) if labels else "any non-citizen"


@register.filter
def get_item(mapping, key):
    if mapping is None:
        return None
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def status_summary(values):
    """A short "matters for": the first statuses by name, then how many more (all in details)."""
    known = [v for v in values or () if v in _STATUS_LABELS]
    labels = [_SHORT_STATUS.get(v) or _STATUS_LABELS[v] for v in known]
    if not labels:
        return "any non-citizen"
    if len(labels) <= 3:
        return ", ".join(labels)
    return f"{', '.join(labels[:2])} and {len(labels) - 2} other statuses"


_SHORT_STATUS = {
    Status.LPR: "Permanent residents",
    Status.POSSIBLE_DERIVATIVE_CITIZEN: "Possible derivative citizens",
    Status.CONDITIONAL_LPR: "Conditional residents",
    Status.UNDOCUMENTED_EWI: "Undocumented (EWI)",
    Status.UNDOCUMENTED_OVERSTAY: "Undocumented (overstay)",
}


@register.simple_tag
def catalog_version():
    """The catalog version for the footer; a broken catalog says so instead of failing the page."""
    try:
        return engine.catalog_version()
    except CatalogError:
        return "unavailable (the offense catalog does not validate)"


@register.filter
def subcategory_label(flag):
    """A flag's subcategory in words (cases.labels): never the engine's identifier."""
    if not isinstance(flag, dict):
        return ""
    return labels.subcategory_label(flag.get("ground"), flag.get("subcategory"), long=True)


@register.filter
def condition_label(condition):
    return labels.condition_label(condition)


@register.filter
def day(value):
    """A date in the one format used everywhere: "Dec 3, 2026" (office time zone)."""
    return labels.format_day(value)


@register.filter
def moment(value):
    """A date and time in the one format used everywhere, in the office's time zone."""
    return labels.format_moment(value)


@register.filter
def flagged_only(flags):
    return [flag for flag in flags or () if is_flagged(flag)]


@register.filter
def get_bound(form, name):
    """form[name] for a field name held in a variable (the factor rows)."""
    return form[name]


@register.filter
def not_flagged(flags):
    return [flag for flag in flags or () if not is_flagged(flag)]


@register.filter
def impact_verdict(value):
    """A verdict in the catalog impact report, including "not flagged" and "not in catalog"."""
    if value == "none":
        return "Not flagged"
    if value == "not_in_catalog":
        return "Not in the catalog (no analysis)"
    return verdict_label(value)


# --- Fields and blank forms -----------------------------------------------------------------------


@register.filter
def as_field(field):
    """`{{ field|as_crispy_field }}`, written in Python where it can be (cases.field_rendering)."""
    return field_rendering.as_field(field)


_BLANK_FORMS: dict[tuple, str] = {}
# Bound forms, by user: a search is kept only for the one who typed it, so that no one can
# tell from a page's speed what another user searched for. Cleared when full.
_SEARCHED_FORMS: dict[tuple, str] = {}
_SEARCHED_FORMS_SIZE = 1024


@register.simple_tag(takes_context=True)
def crispy_form(context, form):
    """`{% crispy form %}`, kept per process when the form says it renders the same each time:
    blank for everyone (`renders_blank_alike`: its fields, choices and help texts read nothing
    from the request or the database) or, for a form whose errors too come from its data alone
    (`renders_bound_alike`: the case list's filters), bound with the same data by the same
    user. Crispy's layout costs 10-15 ms of CPU per form, on the case list (searched or not)
    and the case page (issue 19). Any other bound form is rendered each time, as before.

    Rendered in a context of its own, so nothing of one page or user can reach another's; the
    crispy templates read only what the form and its helper give them (tests/test_pages.py
    compares this with `{% crispy %}` in the pages' own context).
    """
    if form.is_bound:
        if not getattr(form, "renders_bound_alike", False):
            return _render_crispy(form)
        user = getattr(context.get("request"), "user", None)
        key = (getattr(user, "pk", None), type(form), form.prefix, _field_data(form))
        html = _SEARCHED_FORMS.get(key)
        if html is None:
            if len(_SEARCHED_FORMS) >= _SEARCHED_FORMS_SIZE:
                _SEARCHED_FORMS.clear()  # simpler than an LRU, and as good for a day's searches
            html = _SEARCHED_FORMS[key] = _render_crispy(form)
        return html
    if not getattr(form, "renders_blank_alike", False):
        return _render_crispy(form)
    blank = (type(form), form.prefix, repr(sorted(form.initial.items())))
    html = _BLANK_FORMS.get(blank)
    if html is None:
        html = _BLANK_FORMS[blank] = _render_crispy(form)
    return html


def _field_data(form):
    """What a bound form was given for each of its fields (and nothing else of the request)."""
    data = form.data
    keys = [form.add_prefix(name) for name in form.fields]
    if hasattr(data, "getlist"):  # a QueryDict: every value a key was given
        return tuple((key, tuple(data.getlist(key))) for key in keys)
    return tuple((key, data.get(key)) for key in keys)


def _render_crispy(form):
    crispy = engines["django"].from_string("{% load crispy_forms_tags %}{% crispy form %}")
    return crispy.render({"form": form})
