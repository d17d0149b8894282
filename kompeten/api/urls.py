from django.urls import path

from kompeten.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
]
