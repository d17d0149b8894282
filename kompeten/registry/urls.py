from django.urls import path

from kompeten.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("ekspor/", views.person_export, name="person_export"),
    path("baru/", views.person_create, name="person_create"),
    path("impor/", views.person_import, name="import"),
    path("impor/template.<str:fmt>", views.import_template, name="import_template"),
    path("daftar/", views.register, name="register"),
    path("saya/", views.my_profile, name="my_profile"),
    path("saya/ubah/", views.my_profile_edit, name="my_profile_edit"),
    path("saya/persetujuan/", views.my_consent, name="my_consent"),
    path("saya/dokumen/", views.my_document_upload, name="my_document_upload"),
    path("dokumen/<int:pk>/", views.document_download, name="document_download"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/ubah/", views.person_edit, name="person_edit"),
    path("<int:pk>/nik/", views.person_reveal_nik, name="person_reveal_nik"),
    path("<int:pk>/konfirmasi-nik/", views.person_confirm_nik, name="person_confirm_nik"),
    path("<int:pk>/pelatihan/", views.person_add_training, name="person_add_training"),
    path("<int:pk>/dokumen/", views.person_document_upload, name="person_document_upload"),
]
