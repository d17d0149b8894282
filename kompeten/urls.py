from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("kompeten.core.urls")),
    path("akun/", include("kompeten.accounts.urls")),
    path("pencari-kerja/", include("kompeten.registry.urls")),
    path("referensi/", include("kompeten.reference.urls")),
    path("program/", include("kompeten.programmes.urls")),
    path("pelatihan/", include("kompeten.training.urls")),
    path("seleksi/", include("kompeten.selection.urls")),
    path("asesmen/", include("kompeten.assessment.urls")),
    path("magang/", include("kompeten.apprenticeships.urls")),
    path("kerja/", include("kompeten.jobs.urls")),
    path("laporan/", include("kompeten.reporting.urls")),
    path("audit/", include("kompeten.audit.urls")),
    path("tautan/", include("kompeten.linkage.urls")),
    path("data-pribadi/", include("kompeten.privacy.urls")),
    path("", include("kompeten.certificates.urls")),  # /v, /verify/, keys, status lists, /sertifikat/
    path("", include("kompeten.api.urls")),  # /api/v1/
]

handler404 = "kompeten.core.views.not_found"
