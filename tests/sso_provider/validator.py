"""The claims a county directory would send: e-mail, groups, and how the person authenticated."""

from oauth2_provider.oauth2_validators import OAuth2Validator

# A provider user in this group signed in with a second factor (amr "mfa", RFC 8176).
MFA_GROUP = "signed-in-with-mfa"


class CountyValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below goes into the ID token and userinfo

    def get_additional_claims(self, request):
        user = request.user
        groups = sorted(group.name for group in user.groups.all())
        with_mfa = MFA_GROUP in groups
        return {
            "email": user.email,
            "preferred_username": user.username,
            "groups": [group for group in groups if group != MFA_GROUP],
            "amr": ["pwd", "mfa"] if with_mfa else ["pwd"],
        }
