from django.urls import path

from kompeten.reporting.views import centre, dashboard, reports

app_name = "reporting"
urlpatterns = [
    # Province dashboard (province admin: everything; operator: their centres). ?year=2025
    path("", dashboard.dashboard, name="dashboard"),
    # The persons behind one number: ?year=&stage=&dimension=&key=&centre=&month=
    path("orang/", dashboard.persons, name="persons"),
    # Any table of the dashboard as a file: table in reporting.views.dashboard.TABLES, fmt "xlsx" or "csv".
    path("tabel/<slug:table>.<str:fmt>", dashboard.table_export, name="table_export"),
    # The operator's centre dashboard (a province admin picks the centre: ?centre=ID).
    path("pusat/", centre.centre_dashboard, name="centre"),
    # The monthly report (laporan bulanan), fmt "pdf" or "xlsx".
    path("bulanan/<int:year>/<int:month>.<str:fmt>", reports.monthly, name="monthly"),
]
