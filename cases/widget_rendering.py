"""Django's plain form widgets (input, select, textarea), rendered without the template engine.

The worksheet page carries some forty widgets (ten factor weights and notes, the offer chosen,
the decision, the status form, the password): through Django's widget templates that is some
two hundred small template renders, about a quarter of the draft page's CPU (issue 19). This
renderer writes the same markup in Python for those templates and hands every other template
to Django's renderer unchanged. Each function follows its template in Django's
`forms/templates/django/forms/widgets/` line for line, down to the whitespace and the escaping
(`render_value_in_context`, as `{{ }}` does); tests/test_widget_rendering.py compares the two
renderers' output for every widget of the worksheet's forms, bound and unbound, with errors,
and of the forms other pages show on every visit (the case list's and the report's filters,
the case and offer forms). It is every form's renderer (settings.FORM_RENDERER).
"""

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.html import escape
from django.utils.safestring import SafeData

# `{{ }}` reads only autoescape, use_l10n and use_tz from the context: a default Context's.
_CONTEXT = Context()

_PREFIX = "django/forms/widgets/"
_INPUTS = {f"{_PREFIX}{name}.html" for name in ("input", "text", "hidden", "password", "date")}
_OPTION = f"{_PREFIX}select_option.html"


def _out(value):
    """`{{ value }}`: a plain string is only escaped, anything else goes the template's way."""
    if type(value) is str:
        return escape(value)
    return render_value_in_context(value, _CONTEXT)


def _out_s(value):
    """`{{ value|stringformat:'s' }}` (an is_safe filter: safe in, safe out)."""
    formatted = stringformat(value, "s")
    return formatted if isinstance(value, SafeData) else _out(formatted)


def _attrs(attrs):
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_out(name)}" if value is True else f' {_out(name)}="{_out_s(value)}"')
    return "".join(parts)


def _input(widget):
    """input.html (text, hidden, password and date include it; the outer strip drops the rest)."""
    value = "" if widget["value"] is None else f' value="{_out_s(widget["value"])}"'
    kind, name = _out(widget["type"]), _out(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{_attrs(widget["attrs"])}>\n'


def _option(option):
    """select_option.html."""
    return (
        f'<option value="{_out_s(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_out(option['label'])}</option>\n"
    )


def _select(widget):
    """select.html, or None when an option has another template (left to Django)."""
    parts = [f'<select name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_out(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _OPTION:
                return None
            parts.append(f"\n  {_option(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _textarea(widget):
    """textarea.html."""
    value = _out(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'
    )


_RENDER = dict.fromkeys(_INPUTS, _input)
_RENDER[f"{_PREFIX}select.html"] = _select
_RENDER[f"{_PREFIX}textarea.html"] = _textarea


class WidgetRenderer(DjangoTemplates):
    """Django's renderer, with the plain widgets written directly (see the module docstring)."""

    def render(self, template_name, context, request=None):
        render = _RENDER.get(template_name)
        html = render(context["widget"]) if render is not None else None
        if html is None:
            return super().render(template_name, context, request)
        return html.strip()


RENDERER = WidgetRenderer()
