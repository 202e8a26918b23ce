"""The office's offer templates: deputies read them (and apply them on a new offer's page);
supervisors create, change and retire them."""

from django.contrib import messages
from django.shortcuts import redirect, render

from .. import offers
from ..access import (
    can_manage_offer_templates,
    get_offer_template_for_editing,
    get_offer_templates_for_user,
)
from ..integrity import ConflictError
from ..models import OfferTemplate
from ..offer_forms import OfferTemplateForm


def template_list(request):
    """The office's templates, active first, each with its terms."""
    templates = get_offer_templates_for_user(request.user).select_related("updated_by")
    return render(
        request,
        "cases/offer_templates.html",
        {"templates": templates, "can_manage": can_manage_offer_templates(request.user)},
    )


def template_edit(request, pk=None):
    """A supervisor creates a template or changes one; retiring is unticking "active"."""
    office, template = get_offer_template_for_editing(request.user, pk)
    data = request.POST if request.method == "POST" else None
    status = 200
    form = OfferTemplateForm(data, instance=template or OfferTemplate(office=office), office=office)
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in OfferTemplateForm.Meta.fields}
        try:
            saved = offers.save_offer_template(
                office,
                by_user=request.user,
                fields=fields,
                template=template,
                version=form.cleaned_data.get("version"),
                request=request,
            )
        except ConflictError as conflict:
            form.add_error(None, str(conflict))  # what was typed stays on the page
            status = 409
        else:
            messages.success(request, f"Offer template “{saved}” saved.")
            return redirect("offer_template_list")
    return render(
        request,
        "cases/offer_template_form.html",
        {"form": form, "template": template},
        status=status,
    )
