"""Backup codes: ten one-time codes for a user who cannot reach their authenticator app.

They live in django-otp's static device (`django_otp.plugins.otp_static`), so django-otp's
log-in (`otp_login`, `is_verified`) and its throttling of wrong codes treat them like any
device. django-otp keeps static tokens as typed; here each token row holds an HMAC of the code
instead (keyed with SECRET_KEY; codes made under a key in SECRET_KEY_FALLBACKS still work), so a
copy of the database holds no usable code. A code has 12 random characters (60 bits) from an
alphabet without look-alikes, shown as `abcd-efgh-jkmn`; case, spaces and dashes are ignored.
Issuing new codes voids the old ones. Writes happen in `cases.actions`, which audits them.
"""

import secrets

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

COUNT = 10
LENGTH = 12
ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l, o, 0 or 1
DEVICE_NAME = "Backup codes"
_HMAC_SALT = "considered.backup_codes"


def _digests(code):
    """The stored form of a code under the current key and every fallback key."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    # StaticToken.token holds 16 characters: 64 bits of the HMAC, against a 60-bit code.
    return [
        salted_hmac(_HMAC_SALT, code, secret=key, algorithm="sha256").hexdigest()[:16]
        for key in keys
    ]


def normalize(typed):
    """The code as issued, or "" when what was typed cannot be a backup code."""
    code = "".join(typed.split()).replace("-", "").lower()
    if len(code) != LENGTH or any(char not in ALPHABET for char in code):
        return ""
    return code


def display(code):
    return "-".join(code[i : i + 4] for i in range(0, LENGTH, 4))


def issue(user):
    """Replace the user's backup codes with new ones; return them, the only time they exist
    in clear. Call inside the action's transaction."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [_random_code() for _ in range(COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=_digests(code)[0]) for code in codes
    )
    device.throttle_reset(commit=False)
    device.save()
    return [display(code) for code in codes]


def use(user, typed):
    """Spend one backup code: the device it belongs to, or None.

    A code is spent by deleting its row, and only the request whose delete removed the row is
    let in, so two requests racing with the same code cannot both succeed. Wrong codes count
    toward django-otp's throttle of the device, as a wrong TOTP code does.
    """
    device = StaticDevice.objects.filter(user=user, name=DEVICE_NAME).first()
    if device is None:
        return None
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return None
    code = normalize(typed)
    with transaction.atomic():
        match = device.token_set.filter(token__in=_digests(code)).first() if code else None
        if match is not None and StaticToken.objects.filter(pk=match.pk).delete()[0] == 1:
            device.throttle_reset(commit=False)
            device.set_last_used_timestamp(commit=False)
            device.save()
            return device
    device.throttle_increment()
    return None


def remaining(user):
    return StaticToken.objects.filter(device__user=user, device__name=DEVICE_NAME).count()


def _random_code():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
