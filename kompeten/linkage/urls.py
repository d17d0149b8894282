from django.urls import path

from kompeten.linkage import views

app_name = "linkage"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("tinjau/<int:pk>/", views.review, name="review"),
    path("impor/", views.list_import, name="import"),
    path("impor/template.<str:fmt>", views.import_template, name="import_template"),
    path("daftar/", views.list_index, name="list_index"),
    path("daftar/<int:pk>/", views.list_detail, name="list_detail"),
    path("gabungan/<int:pk>/batal/", views.undo_merge, name="undo_merge"),
    path("sanggah/<int:pk>/", views.contest, name="contest"),
]
