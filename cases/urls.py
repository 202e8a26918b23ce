from django.urls import path

from .views import audit_log, cases

urlpatterns = [
    path("", cases.home, name="home"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("audit/", audit_log.audit_log, name="audit_log"),
    path("audit/export.csv", audit_log.audit_log_export, name="audit_log_export"),
]
