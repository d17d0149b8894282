"""Certificate URLs. ``public_urlpatterns`` sit at the site root (the QR's ``/v``, ``/verify/``, the published
keys and status lists); ``urlpatterns`` are the staff and job-seeker pages under ``/sertifikat/``."""

from django.urls import path

from kompeten.certificates import views

app_name = "certificates"

public_urlpatterns = [
    path("v", views.verify_fragment, name="verify_fragment"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
    path(".well-known/kompeten/keys.json", views.keys_json, name="keys"),
    path("status/<slug:issuer_code>/<str:purpose>", views.status_list, name="status_list"),
]

staff_urlpatterns = [
    path("sertifikat/", views.certificate_list, name="list"),
    path("sertifikat/saya/", views.my_certificates, name="mine"),
    path("sertifikat/<int:pk>/", views.certificate_detail, name="detail"),
    path("sertifikat/<int:pk>/cabut/", views.revoke, name="revoke"),
    path("sertifikat/<int:pk>/bekukan/", views.suspend, name="suspend"),
    path("sertifikat/<int:pk>/pulihkan/", views.reinstate, name="reinstate"),
    path("sertifikat/<int:pk>/terbitkan-ulang/", views.reissue, name="reissue"),
    path("sertifikat/<int:pk>/pdf/", views.certificate_pdf, name="pdf"),
    path("sertifikat/<int:pk>/openbadge.json", views.certificate_openbadge, name="openbadge"),
    path("sertifikat/terbitkan/batch/<int:batch_pk>/", views.issue_batch, name="issue_batch"),
    path("sertifikat/terbitkan/asesmen/<int:event_pk>/", views.issue_event, name="issue_event"),
    path("sertifikat/proses/<int:pk>/", views.job_detail, name="job"),
    path("sertifikat/proses/<int:pk>/bar/", views.job_progress, name="job_progress"),
]

urlpatterns = public_urlpatterns + staff_urlpatterns
