"""The live preview of one count of an offer being typed: its flags, before anything is saved."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from .. import offer_entry
from ..access import get_case_for_editing
from ..forms import PleaTermForm
from ..models import PleaTerm


@require_POST
def offer_count_preview(request, case_pk, charge_pk):
    """What the engine says of this count's terms as typed on the offer page. Saves nothing and
    records no audit event: it reads no stored offer, only what the deputy is typing (POST, so
    the CSRF token guards it like the save it previews)."""
    case = get_case_for_editing(request.user, case_pk)
    charge = get_object_or_404(case.charges, pk=charge_pk)
    term_form = PleaTermForm(request.POST, instance=PleaTerm(charge=charge), charge=charge)
    return render(
        request,
        "cases/_count_preview.html",
        {"charge": charge, "preview": offer_entry.preview(term_form)},
    )
