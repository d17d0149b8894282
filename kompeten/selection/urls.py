from django.urls import path

from kompeten.selection import views

app_name = "selection"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("baru/", views.round_create, name="round_create"),
    path("<int:pk>/", views.round_detail, name="round_detail"),
    path("<int:pk>/status/", views.round_transition, name="round_transition"),
    path("<int:pk>/angkatan/", views.round_add_batch, name="round_add_batch"),
    path("<int:pk>/hasil/", views.round_results, name="round_results"),
    path("<int:pk>/hasil/input.zip", views.round_inputs, name="round_inputs"),
    path("<int:pk>/simulasi/", views.what_if, name="what_if"),
    path("<int:pk>/lamaran/", views.application_list, name="application_list"),
    path("<int:pk>/daftar/", views.apply, name="apply"),
    path("angkatan/<int:pk>/", views.round_batch_detail, name="round_batch_detail"),
    path("angkatan/<int:pk>/kuota/", views.round_batch_reserves, name="round_batch_reserves"),
    path("angkatan/<int:pk>/tawarkan/", views.offer_free_seats, name="offer_free_seats"),
    path("lamaran/<int:pk>/", views.application_detail, name="application_detail"),
    path("lamaran/<int:pk>/tahap/", views.application_stage, name="application_stage"),
    path("lamaran-saya/", views.my_applications, name="my_applications"),
    path("tawaran/<int:pk>/terima/", views.offer_accept, name="offer_accept"),
    path("tawaran/<int:pk>/tolak/", views.offer_decline, name="offer_decline"),
]
