from django.urls import path

from . import views

# The same paths and names as when the report lived in `cases`, so links and bookmarks hold.
urlpatterns = [
    path("reports/", views.dashboard, name="report_dashboard"),
    path("reports/cases/", views.drilldown, name="report_drilldown"),
    path("reports/export.csv", views.export_csv, name="report_export_csv"),
    path("reports/codebook.csv", views.codebook_csv, name="report_codebook_csv"),
    path("reports/report.pdf", views.report_pdf, name="report_pdf"),
]
