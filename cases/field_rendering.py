"""One form field in Bootstrap 5's markup, as crispy's `as_crispy_field` writes it, in Python.

The worksheet page shows its fields one by one (`{{ form.reasons|as_crispy_field }}`): the offers
considered, the offer chosen, the parity question, the decision and reasons, the password to sign,
the reason to amend. Each went through crispy-bootstrap5's field template and the templates it
includes, some 2 ms of CPU per field on a slow core, and the page is drawn three times in each
signing (issue 19). `as_field` writes the same markup for the fields those pages show: a plain
input, select or textarea, a checkbox, and a group of radio buttons or checkboxes, with their
label, errors and help text, for a form without a crispy helper. Anything else (a helper's
layout, a file input, a widget made of widgets) goes to crispy unchanged.

Each branch follows crispy-bootstrap5's `bootstrap5/field.html` and its includes for the
context `as_crispy_field` gives them (labels and errors shown, no label or field class), down to
the escaping; where the template leaves a run of spaces and newlines, this writes one newline.
tests/test_field_rendering.py compares the two, whitespace runs aside, for every field of the
worksheet page's forms, unbound and bound, with errors and awkward values.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from crispy_forms.utils import TEMPLATE_PACK
from django import forms
from django.conf import settings
from django.templatetags.l10n import unlocalize
from django.utils.safestring import mark_safe

from .widget_rendering import _out, _out_s


def as_field(field):
    """`{{ field|as_crispy_field }}`, written without the template engine where it can be."""
    if not _plain(field):
        return as_crispy_field(field)
    if field.is_hidden:
        return _out(field)
    widget = field.field.widget
    checkbox = isinstance(widget, forms.CheckboxInput)
    # A CheckboxSelectMultiple is a RadioSelect: both are a group of options.
    group = isinstance(widget, forms.RadioSelect)
    fieldset = field.use_fieldset
    out = []
    if checkbox:
        out.append('<div class="mb-3">\n')
    css_classes = field.css_classes()
    out.append(
        f'<div id="div_{_out(field.auto_id)}" class="{"form-check" if checkbox else "mb-3"}'
        f'{" " + _out(css_classes) if css_classes else ""}">\n'
    )
    required = field.field.required
    if field.label and not checkbox:
        if fieldset:
            described = getattr(field, "aria_describedby", None)
            described = f' aria-describedby="{_out(described)}"' if described else ""
            out.append(f"<fieldset{described}>\n")
        tag = "legend" if fieldset else "label"
        target = f'for="{_out(field.id_for_label)}"' if field.id_for_label else ""
        out.append(
            f'<{tag}\n{target} class="form-label'
            f'{" requiredField" if required else ""}{" fs-6" if fieldset else ""}">\n'
            f"{_out(field.label)}{_ASTERISK if required else ''}\n</{tag}>\n"
        )
    if group:
        out.append(_options(field))
    elif checkbox:
        out.append(_widget(field, "form-check-input is-invalid", "form-check-input"))
        out.append(
            f'\n<label for="{_out(field.id_for_label)}" class="form-check-label'
            f'{" requiredField" if required else ""}">\n'
            f"{_out(field.label)}{_ASTERISK if required else ''}\n</label>\n"
        )
        out.append(_errors_then_help(field))
    else:
        select = isinstance(widget, forms.Select)
        plain_class = "form-select" if select else "form-control"
        out.append(_widget(field, f"{plain_class} is-invalid", plain_class))
        out.append("\n")
        out.append(_errors_then_help(field))
    if fieldset and field.label:
        out.append("</fieldset>")
    out.append("\n</div>\n")
    if checkbox:
        out.append("</div>\n")
    return mark_safe("".join(out))  # noqa: S308 (every value above went through _out)


_ASTERISK = '<span class="asteriskField">*</span>'


def _plain(field):
    """Whether `as_field` writes this field itself: bootstrap5, no helper, a widget of its own."""
    if TEMPLATE_PACK != "bootstrap5" or getattr(field.form, "helper", None) is not None:
        return False
    widget = field.field.widget
    if isinstance(widget, forms.FileInput):
        return False
    return not (hasattr(widget, "widgets") or hasattr(widget, "widget"))


def _widget(field, with_errors, without_errors):
    """`{% crispy_field field 'class' '…' %}`: the widget's own class name and the Bootstrap
    classes added to its attributes (as crispy does, on the form's own widget), then the widget."""
    widget = field.field.widget
    converters = getattr(settings, "CRISPY_CLASS_CONVERTERS", {})
    class_name = widget.__class__.__name__.lower()
    class_name = converters.get(class_name, class_name)
    css_class = widget.attrs.get("class", "")
    if css_class:
        if css_class.find(class_name) == -1:
            css_class += f" {class_name}"
    else:
        css_class = class_name
    widget.attrs["class"] = css_class
    for name in (with_errors if field.errors else without_errors).split():
        if name not in widget.attrs["class"].split():
            widget.attrs["class"] += f" {name}"
    return str(field)


def _options(field):
    """bootstrap5/layout/radio_checkbox_select.html, then the help text."""
    out = ["<div >\n"]
    invalid = " is-invalid" if field.errors else ""
    name = _out(field.html_name)
    groups = list(_optgroups(field))
    for group_number, (group, options, _index) in enumerate(groups):
        if group:
            out.append(f"<strong>{_out(group)}</strong>\n")
        for number, option in enumerate(options):
            attrs = "".join(
                f" {_out(key)}" + ("" if value is True else f'="{_out_s(value)}"')
                for key, value in option["attrs"].items()
                if value is not False
            )
            out.append(
                f'<div class="form-check">\n<input type="{_out(option["type"])}" '
                f'class="form-check-input{invalid}" name="{name}" '
                f'value="{_out(unlocalize(option["value"]))}" {attrs}>\n'
                f'<label for="{_out(option["attrs"].get("id", ""))}" class="form-check-label">\n'
                f"{_out(unlocalize(option['label']))}\n</label>\n"
            )
            if field.errors and number == len(options) - 1 and group_number == len(groups) - 1:
                out.append(_errors(field))
            out.append("</div>\n")
    out.append("</div>\n")
    out.append(_help(field))
    return "".join(out)


def _optgroups(field):
    """crispy's `optgroups` filter."""
    id_ = field.field.widget.attrs.get("id") or field.auto_id
    attrs = field.build_widget_attrs({"id": id_} if id_ else {})
    values = field.field.widget.format_value(field.value())
    return field.field.widget.optgroups(field.html_name, values, attrs)


def _errors_then_help(field):
    """bootstrap5/layout/help_text_and_errors.html, with neither shown inline."""
    return _errors(field) + _help(field)


def _errors(field):
    """bootstrap5/layout/field_errors_block.html."""
    if not field.errors:
        return ""
    auto_id = _out(field.auto_id)
    lines = "".join(
        f'<p id="error_{number}_{auto_id}"><strong>{_out(error)}</strong></p>\n'
        for number, error in enumerate(field.errors, start=1)
    )
    return (
        f'<div id="{_out(field.errors.field_id)}_error" class="invalid-feedback">\n{lines}</div>\n'
    )


def _help(field):
    """bootstrap5/layout/help_text.html, not inline."""
    if not field.help_text:
        return ""
    id_attr = f'id="{_out(field.auto_id)}_helptext" ' if field.auto_id else ""
    return f'<div {id_attr}class="form-text">{field.help_text}</div>\n'
