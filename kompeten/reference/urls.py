from django.urls import path

from kompeten.reference import views

app_name = "reference"
urlpatterns = [
    path("desa/", views.villages, name="villages"),
    path("wilayah/", views.region_list, name="region_list"),
]
