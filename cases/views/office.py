"""The office area, users (issue 17 item 1): an administrator invites people, sets their role
and unit, deactivates and reactivates them, resets their second factor and sees their last log-in,
without the Django admin. Every change is an action (cases.accounts, cases.actions), audited.

Only a role with `cases.manage_office` opens these pages (403 otherwise); another office's user is
"not found" (cases.access.get_member_for_managing). Each button that changes an account has its
own page, which asks before doing it.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import accounts
from ..access import get_member_for_managing, get_office_for_managing
from ..office_forms import InviteUserForm, MemberForm

PAGE_SIZE = 50


def office_users(request):
    """The office's people: role, unit, last log-in, second factor, whether they can log in."""
    office = get_office_for_managing(request.user)
    people = (
        get_user_model()
        .objects.filter(membership__office=office)
        .select_related("membership", "membership__unit")
        .annotate(has_app=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .order_by("-is_active", "last_name", "first_name", "username")
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "office/users.html", {"office": office, "page": page})


def office_user_new(request):
    """Invite someone: username, name, e-mail, role, unit and bar number on one screen."""
    office = get_office_for_managing(request.user)
    form = InviteUserForm(request.POST or None, office=office)
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.invite_user(
                by_user=request.user,
                office=office,
                site_url=request.build_absolute_uri("/"),
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{user.get_full_name()} was added.")
            _say_whether_sent(request, user)
            return redirect("office_users")
    return render(
        request,
        "office/user_new.html",
        {"office": office, "form": form, "lifetime": accounts.invite_lifetime()},
    )


def office_user(request, pk):
    """One person: change their name, e-mail, role, unit and bar number."""
    account = get_member_for_managing(request.user, pk)
    form = MemberForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accounts.update_member(account, by_user=request.user, request=request, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Saved {account.get_full_name() or account.username}.")
            return redirect("office_user", pk=account.pk)
    return render(
        request,
        "office/user.html",
        {
            "account": account,
            "form": form,
            "has_app": TOTPDevice.objects.filter(user=account).exists(),
            "invitation_pending": _invitation_pending(account),
        },
    )


# What each confirmation page asks, and the action its POST runs.
_CONFIRM = {
    "deactivate": (
        "Deactivate {name}?",
        "They can no longer log in, and any session they have ends. Nothing they did is "
        "deleted: their cases, worksheets and the audit trail keep their name.",
        "Deactivate",
        lambda request, account: accounts.deactivate_user(
            account, by_user=request.user, request=request
        ),
        "{name} is deactivated.",
    ),
    "reactivate": (
        "Reactivate {name}?",
        "They can log in again with their password, in their current role and unit.",
        "Reactivate",
        lambda request, account: accounts.reactivate_user(
            account, by_user=request.user, request=request
        ),
        "{name} can log in again.",
    ),
    "reset_second_factor": (
        "Reset {name}'s second factor?",
        "Their authenticator app and backup codes stop working. Do this when they lost their "
        "phone; they set up a new app at their next log-in where policy requires one.",
        "Reset second factor",
        lambda request, account: accounts.reset_second_factor(
            account, by_user=request.user, request=request
        ),
        "{name}'s second factor was reset.",
    ),
    "reinvite": (
        "Send {name} a new invitation?",
        "A new link to choose a password goes to their e-mail address. It works once, for "
        "{lifetime}.",
        "Send invitation",
        lambda request, account: _say_whether_sent(
            request,
            accounts.resend_invitation(
                account,
                by_user=request.user,
                site_url=request.build_absolute_uri("/"),
                request=request,
            ),
        ),
        "",
    ),
}


def _confirm(request, pk, what):
    account = get_member_for_managing(request.user, pk)
    question, explanation, button, run, done = _CONFIRM[what]
    name = account.get_full_name() or account.username
    error = None
    if request.method == "POST":
        try:
            run(request, account)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            if done:
                messages.success(request, done.format(name=name))
            return redirect("office_user", pk=account.pk)
    return render(
        request,
        "office/confirm.html",
        {
            "account": account,
            "question": question.format(name=name),
            "explanation": explanation.format(lifetime=accounts.invite_lifetime()),
            "button": button,
            "error": error,
        },
        status=400 if error else 200,
    )


def office_user_deactivate(request, pk):
    """Turn an account off (never deleted); the office's last administrator is refused."""
    return _confirm(request, pk, "deactivate")


def office_user_reactivate(request, pk):
    return _confirm(request, pk, "reactivate")


def office_user_reset_second_factor(request, pk):
    return _confirm(request, pk, "reset_second_factor")


def office_user_reinvite(request, pk):
    return _confirm(request, pk, "reinvite")


@login_not_required
def invite_accept(request, uidb64, token):
    """The invited person chooses their password (a link that is wrong, used or expired says so
    and offers nothing)."""
    user = accounts.user_from_invite(uidb64, token)
    if user is None:
        return render(
            request,
            "office/invite_invalid.html",
            {"lifetime": accounts.invite_lifetime()},
            status=400,
        )
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.accept_invitation(
            user, password=form.cleaned_data["new_password1"], request=request
        )
        messages.success(request, "Your password is set. Log in with your username and it.")
        return redirect("login")
    return render(request, "office/invite_accept.html", {"form": form, "invited": user})


def _say_whether_sent(request, user):
    if getattr(user, "invitation_sent", None) is False:
        messages.warning(
            request,
            f"The invitation e-mail to {user.email} could not be sent. Once mail works, open "
            "their page and choose “Send a new invitation”.",
        )
    else:
        messages.info(
            request,
            f"An invitation to choose a password went to {user.email}. It works once, for "
            f"{accounts.invite_lifetime()}.",
        )


def _invitation_pending(account):
    return account.is_active and account.last_login is None and not account.has_usable_password()


def _add_errors(form, error):
    """An action's refusal shown on the form, on its field when it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
