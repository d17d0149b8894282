from django.urls import path

from kompeten.programmes import views

app_name = "programmes"
urlpatterns = [
    path("", views.year_list, name="year_list"),
    path("tahun/<int:pk>/", views.year_detail, name="year_detail"),
    path("target/<int:pk>/", views.target_update, name="target_update"),
    path("pusat/", views.centre_list, name="centre_list"),
    path("pusat/<int:pk>/", views.centre_detail, name="centre_detail"),
    path("paket/", views.package_list, name="package_list"),
    path("paket/baru/", views.package_form, name="package_create"),
    path("paket/<int:pk>/ubah/", views.package_form, name="package_edit"),
    path("angkatan/", views.batch_list, name="batch_list"),
    path("angkatan/kalender/", views.batch_calendar, name="batch_calendar"),
    path("angkatan/baru/", views.batch_create, name="batch_create"),
    path("angkatan/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("angkatan/<int:pk>/ubah/", views.batch_edit, name="batch_edit"),
    path("angkatan/<int:pk>/status/", views.batch_transition, name="batch_transition"),
    path("angkatan/<int:pk>/kapasitas/", views.batch_capacity, name="batch_capacity"),
    path("angkatan/<int:pk>/sesi/", views.batch_sessions, name="batch_sessions"),
]
