"""The office administrator's upload of a case management system's export (issue 18 item 1):
the same import as `manage.py import_cases`, with a dry run first by default."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..access import ensure_may_manage_office, membership_of
from ..imports import MAX_BYTES, import_file
from ..imports.formats import FORMATS


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Export file",
        help_text="CSV (one row per count), JSON or JSON Lines, as described in the import guide; "
        f"at most {MAX_BYTES // (1024 * 1024)} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(FORMATS)}),
    )
    dry_run = forms.BooleanField(
        label="Dry run: show what would change, write nothing",
        required=False,
        initial=True,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it, or ask the "
                "operator to run the import command."
            )
        return upload


@login_required
def case_import(request):
    office = membership_of(request.user).office
    ensure_may_manage_office(request.user, office)
    report = None
    dry_run = True
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            dry_run = form.cleaned_data["dry_run"]
            upload = form.cleaned_data["file"]
            report = import_file(
                upload.file,
                name=upload.name,
                office=office,
                by_user=request.user,
                dry_run=dry_run,
                request=request,
                keep_all=False,
            )
            if report.file_problem:
                form.add_error("file", report.file_problem)
    else:
        form = ImportForm()
    return render(
        request,
        "cases/case_import.html",
        {"form": form, "report": report, "dry_run": dry_run, "office": office},
    )
