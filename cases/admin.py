"""Django admin, scoped so that an office's administrator sees and changes only that office.

Every queryset is narrowed to the admin's office, every foreign-key choice too, and new rows
are put in the admin's office whatever the form says. Superusers (the operators of a
deployment) see everything.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .access import office_of
from .models import (
    AuditEvent,
    Case,
    Charge,
    DefenseSubmission,
    Disposition,
    FlagOverride,
    Membership,
    Office,
    PleaTerm,
    Review,
    StatusDisclosure,
    Unit,
    Worksheet,
)

User = get_user_model()


class OfficeScopedAdmin(admin.ModelAdmin):
    """Base for every model admin: `office_path` says how a row reaches its office."""

    office_path = "office"

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


class ReadOnlyAdmin(OfficeScopedAdmin):
    """Records that change only through the application's actions (signing, review, audit)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Office)
class OfficeAdmin(OfficeScopedAdmin):
    office_path = "pk"
    list_display = ["name", "county", "worksheet_scope", "supervisor_approval", "parity_rule"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        office = office_of(request.user)
        return queryset.filter(pk=office.pk) if office else queryset.none()

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Unit)
class UnitAdmin(OfficeScopedAdmin):
    list_display = ["name", "office"]

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.office = office_of(request.user)
        super().save_model(request, obj, form, change)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "office", "unit", "role", "bar_number"]

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        unit, office = cleaned.get("unit"), cleaned.get("office")
        if unit and office and unit.office_id != office.pk:
            self.add_error("unit", "This unit belongs to another office.")
        return cleaned


@admin.register(Membership)
class MembershipAdmin(OfficeScopedAdmin):
    form = MembershipForm
    list_display = ["user", "role", "unit", "office"]
    list_filter = ["role"]

    def save_model(self, request, obj, form, change):
        from .roles import assign_role

        if not request.user.is_superuser:
            obj.office = office_of(request.user)
        super().save_model(request, obj, form, change)
        assign_role(obj.user, obj.role)


class ScopedUserAdmin(UserAdmin):
    """Office admins manage only their office's users, and cannot grant superuser."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        office = office_of(request.user)
        if office is None:
            return queryset.none()
        return queryset.filter(membership__office=office)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        office = office_of(request.user)
        if not change and office is not None and not hasattr(obj, "membership"):
            # A user an office admin creates joins that office as a deputy until changed.
            from .choices import Role
            from .roles import assign_role

            Membership.objects.create(user=obj, office=office, role=Role.DEPUTY)
            assign_role(obj, Role.DEPUTY)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions", "groups", "is_staff", "last_login"]
        return fields


admin.site.unregister(User)
admin.site.register(User, ScopedUserAdmin)


class ChargeInline(admin.TabularInline):
    model = Charge
    extra = 0


@admin.register(Case)
class CaseAdmin(OfficeScopedAdmin):
    list_display = ["court_case_number", "caption", "unit", "assigned_deputy", "stage"]
    list_filter = ["stage"]
    search_fields = ["court_case_number", "da_file_number"]
    inlines = [ChargeInline]

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.office = office_of(request.user)
        super().save_model(request, obj, form, change)


@admin.register(Charge)
class ChargeAdmin(OfficeScopedAdmin):
    office_path = "case__office"
    list_display = ["case", "number", "statute_as_entered", "level"]


class PleaTermInline(admin.StackedInline):
    model = PleaTerm
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        office = office_of(request.user)
        if field is not None and office is not None and not request.user.is_superuser:
            field.queryset = _scope_choices(field.queryset, office)
        return field


@admin.register(Disposition)
class DispositionAdmin(OfficeScopedAdmin):
    office_path = "case__office"
    list_display = ["case", "label", "status", "conveyed_at"]
    list_filter = ["label", "status"]
    inlines = [PleaTermInline]
    # Conveyance is recorded by actions.convey_offer, which writes the report's columns with it
    # (cases.report_columns); an edit here would leave them disagreeing.
    readonly_fields = ["conveyed_at", "conveyed_with_signed_worksheet", "signed_late"]


@admin.register(PleaTerm)
class PleaTermAdmin(OfficeScopedAdmin):
    office_path = "disposition__case__office"
    list_display = ["disposition", "charge", "statute_pleaded", "custody_days_imposed"]


@admin.register(DefenseSubmission)
class DefenseSubmissionAdmin(OfficeScopedAdmin):
    office_path = "case__office"
    list_display = ["case", "received_on", "consideration_requested"]


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
