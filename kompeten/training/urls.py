from django.urls import path

from kompeten.training import views

app_name = "training"
urlpatterns = [
    path("angkatan/<int:batch_pk>/kandidat/", views.candidates, name="candidates"),
    path("angkatan/<int:batch_pk>/daftarkan/", views.enrol, name="enrol"),
    path("angkatan/<int:batch_pk>/hadir/", views.attendance, name="attendance"),
    path("angkatan/<int:batch_pk>/kelulusan/", views.completion, name="completion"),
    path("angkatan/<int:batch_pk>/dokumen/<str:doc>.<str:fmt>", views.document, name="document"),
    path("peserta/<int:pk>/mundur/", views.withdraw, name="withdraw"),
]
