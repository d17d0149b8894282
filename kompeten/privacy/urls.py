from django.urls import path

from kompeten.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.my_data, name="mine"),
    path("unduh/<str:fmt>/", views.my_data_download, name="download"),
    path("persetujuan/", views.my_consent, name="consent"),
    path("permintaan/baru/", views.my_request_create, name="request_create"),
    path("orang/<int:person_pk>/permintaan/", views.request_for_person, name="request_for_person"),
    path("permintaan/", views.request_list, name="request_list"),
    path("permintaan/<int:pk>/", views.request_detail, name="request_detail"),
    path("permintaan/<int:pk>/status/", views.request_transition, name="request_transition"),
]
