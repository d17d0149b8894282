from django.urls import path

from kompeten.training import views, views_exchange

app_name = "training"
urlpatterns = [
    path("angkatan/<int:batch_pk>/kandidat/", views.candidates, name="candidates"),
    path("angkatan/<int:batch_pk>/daftarkan/", views.enrol, name="enrol"),
    path("angkatan/<int:batch_pk>/hadir/", views.attendance, name="attendance"),
    path("angkatan/<int:batch_pk>/kelulusan/", views.completion, name="completion"),
    path("angkatan/<int:batch_pk>/dokumen/<str:doc>.<str:fmt>", views.document, name="document"),
    path("peserta/<int:pk>/mundur/", views.withdraw, name="withdraw"),
    path("angkatan/<int:batch_pk>/daftar/<str:fmt>.<str:file_type>", views_exchange.batch_list,
         name="exchange_batch"),
    path("uji/<int:event_pk>/daftar/<str:fmt>.<str:file_type>", views_exchange.event_list, name="exchange_event"),
]
