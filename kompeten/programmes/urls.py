from django.urls import path

from kompeten.programmes import views

app_name = "programmes"
urlpatterns = [
    path("", views.centre_list, name="centre_list"),
    path("<int:pk>/", views.centre_detail, name="centre_detail"),
]
