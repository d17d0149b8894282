from django.urls import path

from kompeten.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("baru/", views.event_create, name="event_create"),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("<int:pk>/angkatan/", views.event_add_batches, name="event_add_batches"),
    path("<int:pk>/orang/", views.event_persons, name="event_persons"),
    path("<int:pk>/rpl/", views.event_add_rpl, name="event_add_rpl"),
    path("<int:pk>/uji-ulang/", views.event_add_reassessment, name="event_add_reassessment"),
    path("<int:pk>/bagi-asesor/", views.event_assign_evenly, name="event_assign_evenly"),
    path("<int:pk>/setujui/", views.event_approve, name="event_approve"),
    path("asesi/<int:pk>/", views.candidate_detail, name="candidate_detail"),
    path("asesi/<int:pk>/asesor/", views.candidate_assign, name="candidate_assign"),
    path("asesi/<int:pk>/tidak-hadir/", views.candidate_absent, name="candidate_absent"),
    path("asesi/<int:pk>/apl01/", views.candidate_apl01, name="candidate_apl01"),
    path("asesi/<int:pk>/apl02/", views.candidate_apl02, name="candidate_apl02"),
    path("asesi/<int:pk>/ak01/", views.candidate_ak01, name="candidate_ak01"),
    path("asesi/<int:pk>/dokumen/<str:doc>.pdf", views.candidate_document, name="candidate_document"),
    path("asesi/<int:pk>/nilai/", views.record, name="record"),
    path("asesi/<int:pk>/unit/<int:unit_pk>/", views.record_unit, name="record_unit"),
    path("asesi/<int:pk>/kirim/", views.candidate_submit, name="candidate_submit"),
    path("asesi/<int:pk>/putuskan/", views.candidate_approve, name="candidate_approve"),
    path("asesi/<int:pk>/kembalikan/", views.candidate_reopen, name="candidate_reopen"),
    path("asesi/<int:pk>/koreksi/", views.candidate_amend, name="candidate_amend"),
    path("asesi/<int:pk>/banding/", views.candidate_appeal, name="candidate_appeal"),
    path("banding/<int:pk>/putuskan/", views.appeal_decide, name="appeal_decide"),
    path("saya/", views.my_assessments, name="my_assessments"),
    path("skema/", views.scheme_list, name="scheme_list"),
    path("skema/<int:pk>/", views.scheme_detail, name="scheme_detail"),
    path("lsp/<int:pk>/", views.lsp_detail, name="lsp_detail"),
]
