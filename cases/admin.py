"""Django admin, for the deployment's operators (superusers) only since issue 17.1: an office's
administrator works in the app's Office area (cases.views.office). The scoping below, which
narrows every page to the user's office, stays as a second wall.

Every queryset is narrowed to the admin's office, every foreign-key choice too, and new rows
are put in the admin's office whatever the form says. Superusers (the operators of a
deployment) see everything.

Every change the admin can make goes through a named action in `cases.actions`, which checks
who may make it and writes its audit event in the same transaction (issue 13.4): offices and
their policy, units, accounts, passwords, memberships and roles, and a case's own fields
(through `update_case`, so the report's copies of its scope follow a change of unit or
deputy). What has no action is read-only here: counts, offers and their terms, defense
submissions, prior convictions (added and removed on the case page, audited there),
worksheets, reviews, overrides, status disclosures, the audit log, the role groups (declared
in `cases.roles`), second-factor devices and the lockout records; and the records of issue 17
(policy versions, counsel's requests and answers, offer templates, defense attachments, service
tokens, calendar feeds), each changed in the app by its own audited action. A token's or a
feed's hash and an attachment's file are never shown.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse

from . import actions
from .access import office_of
from .integrity import ConflictError
from .models import (
    AuditEvent,
    CalendarFeed,
    Case,
    Charge,
    CounselRequest,
    DefenseAttachment,
    DefenseSubmission,
    Disposition,
    FlagOverride,
    Membership,
    OfferTemplate,
    Office,
    OfficePolicy,
    PleaTerm,
    PriorConviction,
    Review,
    ServiceToken,
    StatusDisclosure,
    Unit,
    Worksheet,
)

User = get_user_model()


class OfficeScopedAdmin(admin.ModelAdmin):
    """Base for every model admin: `office_path` says how a row reaches its office."""

    office_path = "office"
    # No "view on site" link: the admin site answers 404 for its shortcut (cases.admin_site).
    view_on_site = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        office = office_of(request.user)
        if office is None:
            return queryset.none()
        return queryset.filter(**{self.office_path: office})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        office = office_of(request.user)
        if field is not None and office is not None and not request.user.is_superuser:
            field.queryset = _scope_choices(field.queryset, office)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        office = office_of(request.user)
        if field is not None and office is not None and not request.user.is_superuser:
            field.queryset = _scope_choices(field.queryset, office)
        return field

    def has_delete_permission(self, request, obj=None):
        # No action deletes an office, a unit, a membership or a case: nothing is deleted here.
        return False


def _scope_choices(queryset, office):
    model = queryset.model
    if model is Office:
        return queryset.filter(pk=office.pk)
    if model is User:
        return queryset.filter(membership__office=office)
    for path in ("office", "case__office", "worksheet__case__office", "disposition__case__office"):
        try:
            model._meta.get_field(path.split("__")[0])
        except Exception:  # noqa: S112 - the model has no such path; try the next one
            continue
        return queryset.filter(**{path: office})
    return queryset


def _saved_as(obj, saved):
    """The admin goes on with the object it built (its log entry, its redirect): give it the
    identity of the row the action saved."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db


def _changed(form, names):
    return {name: form.cleaned_data[name] for name in form.changed_data if name in names}


class ReadOnlyMixin:
    """Records that change only through the application's actions (signing, review, audit)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, OfficeScopedAdmin):
    pass


# --- Offices, units, accounts and memberships: through the actions, audited --------------------


class RefusalAsMessage:
    """An action's refusal (the office's last administrator, issue 17.1) becomes a message on
    the same page, not a server error; the admin's transaction rolled back, nothing is saved."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(  # type: ignore[misc]
                request, object_id, form_url, extra_context
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
            return HttpResponseRedirect(request.path)


@admin.register(Office)
class OfficeAdmin(OfficeScopedAdmin):
    office_path = "pk"
    fields = list(actions.OFFICE_FIELDS)
    list_display = ["name", "county", "parity_rule"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        office = office_of(request.user)
        return queryset.filter(pk=office.pk) if office else queryset.none()

    def has_add_permission(self, request):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        fields = _changed(form, actions.OFFICE_FIELDS)
        if change:
            actions.update_office_policy(obj, by_user=request.user, fields=fields, request=request)
        else:
            fields = {name: form.cleaned_data[name] for name in actions.OFFICE_FIELDS}
            _saved_as(
                obj, actions.create_office(by_user=request.user, fields=fields, request=request)
            )


@admin.register(Unit)
class UnitAdmin(OfficeScopedAdmin):
    list_display = ["name", "office"]

    def get_readonly_fields(self, request, obj=None):
        # A unit never moves between offices; an office admin's units are in their office.
        if obj is not None or not request.user.is_superuser:
            return ["office"]
        return []

    def save_model(self, request, obj, form, change):
        name = form.cleaned_data["name"]
        if change:
            actions.rename_unit(obj, by_user=request.user, name=name, request=request)
            return
        office = form.cleaned_data["office"] if request.user.is_superuser else None
        office = office or office_of(request.user)
        unit = actions.create_unit(office, by_user=request.user, name=name, request=request)
        _saved_as(obj, unit)


class MembershipForm(forms.ModelForm):
    # The office an office administrator's form is for (set by MembershipAdmin.get_form).
    acting_office = None

    class Meta:
        model = Membership
        fields = ["user", "office", "unit", "role", "bar_number"]

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        office = cleaned.get("office") or self.acting_office
        if office is None and self.instance.office_id:
            office = self.instance.office
        unit = cleaned.get("unit")
        if unit and office and unit.office_id != office.pk:
            self.add_error("unit", "This unit belongs to another office.")
        return cleaned


@admin.register(Membership)
class MembershipAdmin(RefusalAsMessage, OfficeScopedAdmin):
    form = MembershipForm
    list_display = ["user", "role", "unit", "office"]
    list_filter = ["role"]

    def get_readonly_fields(self, request, obj=None):
        fields = ["user"] if obj is not None else []
        if not request.user.is_superuser:
            fields.append("office")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # The office the acting administrator works in, for the form's checks.
        form.acting_office = (  # type: ignore[attr-defined]
            None if request.user.is_superuser else office_of(request.user)
        )
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        office = data.get("office") if request.user.is_superuser else office_of(request.user)
        user = obj.user if change else data["user"]
        membership = actions.set_membership(
            user,
            by_user=request.user,
            office=office or obj.office,
            unit=data.get("unit"),
            role=data["role"],
            bar_number=data.get("bar_number", ""),
            request=request,
        )
        _saved_as(obj, membership)


class ScopedUserAdmin(RefusalAsMessage, UserAdmin):
    """Office admins manage only their office's users, and cannot grant superuser.

    Accounts are created, changed and given new passwords through the actions; nobody deletes
    an account here (deactivate it). Groups follow the role (set on the membership), so they
    and direct permissions are read-only for everyone.
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        office = office_of(request.user)
        if office is None:
            return queryset.none()
        return queryset.filter(membership__office=office)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return fields
        fields += ["groups", "user_permissions", "is_staff", "last_login", "date_joined"]
        if not request.user.is_superuser:
            fields.append("is_superuser")
        return fields

    def save_model(self, request, obj, form, change):
        if change:
            fields = _changed(form, actions.USER_FLAGS + actions.USER_PERSONAL_FIELDS)
            actions.update_user(obj, by_user=request.user, fields=fields, request=request)
            return
        data = form.cleaned_data
        # A user an office admin creates joins that office as a deputy until changed.
        user = actions.create_user(
            by_user=request.user,
            office=office_of(request.user),
            username=data["username"],
            password=data["password1"] if data.get("set_usable_password", True) else None,
            request=request,
        )
        _saved_as(obj, user)

    def save_related(self, request, form, formsets, change):
        # Groups and permissions are read-only (they follow the role): nothing to save.
        pass

    def user_change_password(self, request, id, form_url=""):
        """The admin's password form, saved by `actions.reset_password` (audited)."""
        user = self.get_object(request, unquote(id))
        if (
            request.method != "POST"
            or user is None
            or not self.has_change_permission(request, user)
        ):
            return super().user_change_password(request, id, form_url)
        form = self.change_password_form(user, request.POST)
        if not form.is_valid():
            return super().user_change_password(request, id, form_url)
        usable = form.cleaned_data["set_usable_password"]
        if not usable and "unset-password" not in request.POST:
            # Django's own guard against a form with both buttons' data (no JavaScript).
            return super().user_change_password(request, id, form_url)
        password = form.cleaned_data["password1"] if usable else None
        user = actions.reset_password(
            user, by_user=request.user, password=password, request=request
        )
        if user.pk == request.user.pk:
            update_session_auth_hash(request, user)  # changing one's own keeps one signed in
        messages.success(
            request,
            "Password changed." if usable else "Log-in with a password is turned off.",
        )
        return HttpResponseRedirect(reverse("admin:auth_user_change", args=[user.pk]))


admin.site.unregister(User)
admin.site.register(User, ScopedUserAdmin)


# --- Cases: their own fields through update_case; counts and offers read-only -----------------


class ChargeInline(ReadOnlyMixin, admin.TabularInline):
    model = Charge
    extra = 0


class CaseAdminForm(forms.ModelForm):
    """A case's own fields, saved by `actions.update_case` (lock_version as on the case page)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Case
        fields = [
            "court_case_number",
            "da_file_number",
            "defendant_name",
            "aliases",
            "caption",
            "unit",
            "assigned_deputy",
            "stage",
            "next_hearing",
            "court_name",
            "department",
            "judicial_officer",
            "defense_counsel",
            "defense_type",
            "interpreter_language",
            "routed_to_counsel",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.lock_version

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        office_id = self.instance.office_id
        unit, deputy = cleaned.get("unit"), cleaned.get("assigned_deputy")
        if unit is not None and unit.office_id != office_id:
            self.add_error("unit", "This unit belongs to another office.")
        if (
            deputy is not None
            and not Membership.objects.filter(user=deputy, office_id=office_id).exists()
        ):
            self.add_error("assigned_deputy", "This person does not work in the case's office.")
        if cleaned.get("version") != self.instance.lock_version:
            raise forms.ValidationError(
                "Someone else changed this case after you opened it. Reload the page to see "
                "the current version, then make your changes again."
            )
        return cleaned


@admin.register(Case)
class CaseAdmin(OfficeScopedAdmin):
    form = CaseAdminForm
    list_display = ["court_case_number", "caption", "unit", "assigned_deputy", "stage"]
    list_filter = ["stage"]
    search_fields = ["court_case_number", "da_file_number"]
    readonly_fields = ["office"]
    inlines = [ChargeInline]

    def has_add_permission(self, request):
        # Cases are entered on the case page (actions.create_case), with their counts.
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConflictError as conflict:
            # Someone saved the case between the form's check and update_case's locked one:
            # nothing was saved (the admin's transaction rolled back); say so and reload.
            messages.error(request, str(conflict))
            return HttpResponseRedirect(request.path)

    def save_model(self, request, obj, form, change):
        names = [name for name in form.fields if name != "version"]
        actions.update_case(
            obj,
            by_user=request.user,
            version=form.cleaned_data["version"],
            fields=_changed(form, names),
            request=request,
        )

    def save_related(self, request, form, formsets, change):
        # The counts are read-only here (their inline has no change permission): nothing is
        # saved, and the admin's change message is told so.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdmin):
    office_path = "case__office"
    list_display = ["case", "number", "statute_as_entered", "level"]


class PleaTermInline(ReadOnlyMixin, admin.StackedInline):
    model = PleaTerm
    extra = 0


@admin.register(Disposition)
class DispositionAdmin(ReadOnlyAdmin):
    """Offers change on the offer page (actions.save_disposition), where a conveyed offer
    stays as conveyed."""

    office_path = "case__office"
    list_display = ["case", "label", "status", "conveyed_at"]
    list_filter = ["label", "status"]
    inlines = [PleaTermInline]
    # Conveyance is recorded by actions.convey_offer, which writes the report's columns with it
    # (cases.report_columns); an edit here would leave them disagreeing.
    readonly_fields = ["conveyed_at", "conveyed_with_signed_worksheet", "signed_late"]


@admin.register(PleaTerm)
class PleaTermAdmin(ReadOnlyAdmin):
    office_path = "disposition__case__office"
    list_display = ["disposition", "charge", "statute_pleaded", "custody_days_imposed"]


@admin.register(DefenseSubmission)
class DefenseSubmissionAdmin(ReadOnlyAdmin):
    office_path = "case__office"
    list_display = ["case", "received_on", "consideration_requested"]


@admin.register(PriorConviction)
class PriorConvictionAdmin(ReadOnlyAdmin):
    """Priors are added and removed on the case page (actions.add_prior, remove_prior), which
    audit each change; a signed worksheet keeps the priors it froze whatever happens here."""

    office_path = "case__office"
    list_display = ["case", "code", "convicted_on", "level", "sentence_days", "source"]
    list_filter = ["source", "level"]
    list_select_related = ["case"]


@admin.register(StatusDisclosure)
class StatusDisclosureAdmin(ReadOnlyAdmin):
    """Status is restricted: only roles with the dedicated permission see these rows at all."""

    office_path = "case__office"
    list_display = ["case", "disclosed_on", "source"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("cases.view_status")

    def has_module_permission(self, request):
        return request.user.has_perm("cases.view_status")


@admin.register(Worksheet)
class WorksheetAdmin(ReadOnlyAdmin):
    office_path = "case__office"
    list_display = ["case", "version", "signed_at", "signed_by", "catalog_version"]

    def get_exclude(self, request, obj=None):
        """The signed content may hold a volunteered status: shown only with cases.view_status."""
        from .security import can_see_status

        return [] if can_see_status(request.user) else ["signed_content"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    office_path = "worksheet__case__office"
    list_display = ["worksheet", "outcome", "reviewer", "decided_at"]


@admin.register(FlagOverride)
class FlagOverrideAdmin(ReadOnlyAdmin):
    office_path = "worksheet__case__office"
    list_display = ["worksheet", "charge", "ground", "engine_verdict", "deputy_verdict"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "object_type", "object_id", "request_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "request_id"]


# --- Issue 17's records: read-only, each changed in the app by its own audited action -------------


@admin.register(OfficePolicy)
class OfficePolicyAdmin(ReadOnlyAdmin):
    """A version in force never changes (reports read the policy of their period); a new one is
    made in the Office area by `policy.set_office_policy`."""

    list_display = ["office", "effective_from", "worksheet_scope", "counsel_routing", "set_by"]
    list_filter = ["counsel_routing", "worksheet_scope"]
    list_select_related = ["office", "set_by"]


@admin.register(CounselRequest)
class CounselRequestAdmin(ReadOnlyAdmin):
    """Asked and answered through `cases.counsel`; the answer is part of the worksheet's record."""

    office_path = "case__office"
    list_display = ["case", "worksheet", "by_policy", "requested_at", "answered_at"]
    list_select_related = ["case", "worksheet__case"]


@admin.register(OfferTemplate)
class OfferTemplateAdmin(ReadOnlyAdmin):
    """Managed by supervisors on the templates page (`cases.offers`), lock-versioned there."""

    list_display = ["name", "office", "statute_pleaded", "level_at_plea", "active"]
    list_select_related = ["office"]


@admin.register(DefenseAttachment)
class DefenseAttachmentAdmin(ReadOnlyAdmin):
    """What was received and how it was checked; never the file (the case page's download
    view checks who may read it and audits the reading)."""

    office_path = "submission__case__office"
    exclude = ["file"]
    list_display = ["original_name", "submission", "size", "scan", "uploaded_at"]
    list_select_related = ["submission"]


@admin.register(ServiceToken)
class ServiceTokenAdmin(ReadOnlyAdmin):
    """Made and revoked on the office's service-token page; the hash is never shown (the
    prefix tells tokens apart)."""

    exclude = ["token_hash"]
    list_display = ["name", "office", "prefix", "created_at", "expires_at", "revoked_at"]
    list_select_related = ["office"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """Made and revoked by its owner (`cases.calendar`); the hash is never shown."""

    office_path = "user__membership__office"
    exclude = ["token_hash"]
    list_display = ["user", "created_at", "last_used_at"]
    list_select_related = ["user"]


# --- Other apps' admins: read-only, since no action of ours writes them ------------------------


def _make_read_only(model):
    """Replace another app's admin of `model` by a read-only subclass of it.

    Role groups are declared in code (cases.roles) and synced by migrate; a second factor is
    enrolled by its owner; a lockout is lifted with `manage.py axes_reset`. An operator
    changing any of them here would change access with no audit event.
    """
    current = type(admin.site._registry[model])
    admin.site.unregister(model)
    admin.site.register(model, type(f"ReadOnly{current.__name__}", (ReadOnlyMixin, current), {}))


for _model in list(admin.site._registry):
    if _model is Group or _model._meta.app_label in ("otp_totp", "otp_static", "axes"):
        _make_read_only(_model)
