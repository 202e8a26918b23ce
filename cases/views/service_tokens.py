"""The office administrator's service tokens for the API (cases.api): make one (shown once),
see when each was last used, revoke it."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ..access import ensure_may_manage_office, membership_of
from ..api.tokens import make_token, revoke_token
from ..models import ServiceToken


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="Which system uses it, e.g. “PbK nightly export”."
    )
    scopes = forms.MultipleChoiceField(
        choices=list(ServiceToken.SCOPES.items()), widget=forms.CheckboxSelectMultiple
    )
    view_status = forms.BooleanField(
        required=False,
        label="May see a volunteered immigration status",
        help_text="Leave unticked unless the receiving system is cleared to hold it.",
    )
    days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=730,
        label="Expires after (days)",
        help_text="Blank: until revoked.",
    )


def _form(request, data=None):
    form = TokenForm(data)
    if not request.user.has_perm("cases.view_status"):
        del form.fields["view_status"]  # they cannot grant what they may not see
    return form


def _office(request):
    office = membership_of(request.user).office
    ensure_may_manage_office(request.user, office)
    return office


@login_required
def service_tokens(request):
    office = _office(request)
    made = None
    if request.method == "POST":
        form = _form(request, request.POST)
        if form.is_valid():
            token, secret = make_token(
                office,
                by_user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                view_status=form.cleaned_data.get("view_status", False),
                days=form.cleaned_data["days"],
                request=request,
            )
            made = (token, secret)
            form = _form(request)
    else:
        form = _form(request)
    tokens = ServiceToken.objects.filter(office=office).order_by("-created_at")
    response = render(
        request, "cases/service_tokens.html", {"form": form, "tokens": tokens, "made": made}
    )
    response["Cache-Control"] = "no-store"  # the new token is on this page, once
    return response


@login_required
@require_POST
def service_token_revoke(request, pk):
    office = _office(request)
    token = get_object_or_404(ServiceToken, pk=pk, office=office)
    revoke_token(token, by_user=request.user, request=request)
    return redirect("service_tokens")
