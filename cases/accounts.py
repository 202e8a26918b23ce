"""The office administrator's account actions: invite, deactivate, reactivate, reset the second
factor (issue 17 item 1). Each is one transaction with its audit event, like `cases.actions`,
whose `create_user`, `set_membership` and `update_user` they build on.

Password set-up is by invitation, not by an initial password: the administrator never knows,
types or sends a password. The link goes by e-mail to the new user only (after the transaction
commits), works once (the token hashes the password and the last log-in, both of which setting
the password changes) and expires after PASSWORD_RESET_TIMEOUT (INVITE_TIMEOUT_SECONDS, 3 days
by default). An initial password would pass through the administrator, stay valid until the
user changes it, and need a "must change" state on every request. Tests: tests/test_office_users.py.
"""

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import actions
from .access import ensure_may_manage_office
from .choices import AuditAction, Role
from .models import Membership

# A deputy's cases are their unit's (Case.unit); a supervisor without a unit supervises the
# whole office (models.visible_q), administrators and counsel work office-wide.
ROLES_NEEDING_A_UNIT = frozenset({Role.DEPUTY})

log = logging.getLogger("considered.accounts")


class InviteTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset token under its own salt: a reset link is not an invitation."""

    key_salt = "considered.accounts.invite"


invite_tokens = InviteTokenGenerator()


def invite_lifetime():
    """How long an invitation works, in words ("3 days"), from PASSWORD_RESET_TIMEOUT."""
    seconds = settings.PASSWORD_RESET_TIMEOUT
    if seconds % 86400 == 0:
        count, word = seconds // 86400, "day"
    elif seconds % 3600 == 0:
        count, word = seconds // 3600, "hour"
    else:
        count, word = max(1, round(seconds / 60)), "minute"
    return f"{count} {word}{'' if count == 1 else 's'}"


def invite_path(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("invite_accept", kwargs={"uidb64": uid, "token": invite_tokens.make_token(user)})


def user_from_invite(uidb64, token):
    """The invited user the link names, or None for a link that is wrong, used or expired."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None or not invite_tokens.check_token(user, token):
        return None
    return user


def email_in_use(email, *, exclude=None):
    """Does any account, in any office, have this address? (Never says which office.)"""
    accounts = get_user_model().objects.filter(email__iexact=email.strip())
    if exclude is not None:
        accounts = accounts.exclude(pk=exclude.pk)
    return bool(email.strip()) and accounts.exists()


@transaction.atomic
def invite_user(
    *,
    by_user,
    office,
    username,
    email,
    first_name,
    last_name,
    role,
    unit,
    bar_number="",
    site_url,
    request=None,
):
    """Open an account in `office` with no usable password, and e-mail its set-up link.

    `site_url` is the scheme and host the link starts with (the request's). Refused, before
    anything is written, when the username or the e-mail address is taken anywhere: the
    message never says where.
    """
    ensure_may_manage_office(by_user, office)
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "This username is taken. Choose another."})
    if email_in_use(email):
        raise ValidationError(
            {
                "email": "An account with this e-mail address already exists. If this person "
                "moved from another office, ask the operator to move their account."
            }
        )
    if role in ROLES_NEEDING_A_UNIT and unit is None:
        raise ValidationError({"unit": "Choose the unit this deputy works in."})
    user = actions.create_user(
        by_user=by_user,
        office=office,
        username=username,
        password=None,
        role=role,
        unit=unit,
        request=request,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    if bar_number:
        membership = user.membership
        membership.bar_number = bar_number
        membership.save(update_fields=["bar_number"])
    _send_invitation(user, by_user=by_user, office=office, site_url=site_url, request=request)
    return user


@transaction.atomic
def resend_invitation(user, *, by_user, site_url, request=None):
    """A new link for someone who has not set a password yet (the old link stops working only
    when they use one: both stay valid until then or until they expire)."""
    office = _office_for_managing(user, by_user)
    if user.has_usable_password() or user.last_login is not None:
        raise ValidationError("This person has already set up their account.")
    if not user.is_active:
        raise ValidationError("This account is deactivated. Reactivate it first.")
    _send_invitation(user, by_user=by_user, office=office, site_url=site_url, request=request)
    return user


def _send_invitation(user, *, by_user, office, site_url, request):
    actions._record_access_change(
        AuditAction.CHANGE,
        user,
        by_user=by_user,
        office=office,
        summary="invitation sent",
        data={"change": "invitation"},
        request=request,
    )
    link = site_url.rstrip("/") + invite_path(user)
    message = (
        f"{by_user.get_full_name() or by_user.username} opened a Considered account for you at "
        f"{office}.\n\nYour username: {user.username}\n\n"
        f"Choose your password here (the link works once, for {invite_lifetime()}):\n{link}\n"
    )
    user.invitation_sent = None  # decided after the commit, by deliver()

    def deliver():
        # After the commit: no e-mail for an account that was rolled back. A mail relay that
        # is down leaves the account in place; the page says so and offers a new invitation.
        try:
            send_mail(f"Your Considered account at {office}", message, None, [user.email])
        except (OSError, smtplib.SMTPException):
            log.exception("The invitation e-mail for user %s could not be sent.", user.pk)
            user.invitation_sent = False
        else:
            user.invitation_sent = True

    transaction.on_commit(deliver)


@transaction.atomic
def accept_invitation(user, *, password, request=None):
    """The invited user sets their password (the link's token stops working with it)."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.save(update_fields=["password"])
    membership = Membership.objects.filter(user=user).select_related("office").first()
    actions._record_access_change(
        AuditAction.CHANGE,
        user,
        by_user=user,
        office=membership.office if membership else None,
        summary="password set from invitation",
        data={"change": "password", "after": "set"},
        request=request,
    )
    return user


@transaction.atomic
def update_member(
    user, *, by_user, first_name, last_name, email, role, unit, bar_number, request=None
):
    """Name, e-mail, role, unit and bar number together: all saved, or none."""
    if email_in_use(email, exclude=user):
        raise ValidationError({"email": "Another account already has this e-mail address."})
    if role in ROLES_NEEDING_A_UNIT and unit is None:
        raise ValidationError({"unit": "Choose the unit this deputy works in."})
    fields = {"first_name": first_name, "last_name": last_name, "email": email}
    actions.update_user(user, by_user=by_user, fields=fields, request=request)
    return actions.set_membership(
        user,
        by_user=by_user,
        office=user.membership.office,
        unit=unit,
        role=role,
        bar_number=bar_number,
        request=request,
    )


def deactivate_user(user, *, by_user, request=None):
    """Turn the account off (never deleted: the audit trail names it). Its sessions end at the
    next request (Django refuses an inactive user's session). The office's last active
    administrator is refused (actions.ensure_office_keeps_an_admin)."""
    if user.pk == by_user.pk:
        raise PermissionDenied("You cannot deactivate your own account.")
    return actions.update_user(user, by_user=by_user, fields={"is_active": False}, request=request)


def reactivate_user(user, *, by_user, request=None):
    return actions.update_user(user, by_user=by_user, fields={"is_active": True}, request=request)


@transaction.atomic
def reset_second_factor(user, *, by_user, request=None):
    """Remove the user's authenticator app and backup codes (a lost phone). At their next log-in
    they set up a new app where policy requires one (cases.security.SecondFactorMiddleware)."""
    office = _office_for_managing(user, by_user)
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    if not removed:
        raise ValidationError("This person has no second factor to reset.")
    actions._record_access_change(
        AuditAction.CHANGE,
        user,
        by_user=by_user,
        office=office,
        summary="second factor reset",
        data={"change": "second_factor", "after": "none"},
        request=request,
    )


def _office_for_managing(user, by_user):
    office = actions._office_of_account(user)
    actions._ensure_may_manage_account(by_user, user, office)
    return office
