from django.urls import path

from kompeten.jobs.views import demand, outcomes, seeker, vacancies

app_name = "jobs"
urlpatterns = [
    # Vacancies, shortlists, invitations, hires (views/vacancies.py)
    path("lowongan/", vacancies.vacancy_list, name="vacancy_list"),
    path("lowongan/baru/", vacancies.vacancy_create, name="vacancy_create"),
    path("lowongan/impor/", vacancies.vacancy_import, name="vacancy_import"),
    path("lowongan/<int:pk>/", vacancies.vacancy_detail, name="vacancy_detail"),
    path("lowongan/<int:pk>/ubah/", vacancies.vacancy_edit, name="vacancy_edit"),
    path("lowongan/<int:pk>/tutup/", vacancies.vacancy_close, name="vacancy_close"),
    path("lowongan/<int:pk>/kandidat/", vacancies.shortlist, name="shortlist"),
    path("lowongan/<int:pk>/undang/", vacancies.invite, name="invite"),
    path("lowongan/<int:pk>/terisi/", vacancies.hire, name="hire"),
    path("kandidat/<int:pk>/", vacancies.candidate, name="candidate"),  # Invitation pk: the profile a company sees
    # The job seeker's side (views/seeker.py)
    path("saya/", seeker.mine, name="mine"),
    path("undangan/<int:pk>/jawab/", seeker.answer, name="answer"),
    # Outcomes: the public survey, follow-ups, placement rates, AK/1 (views/outcomes.py)
    path("s/<str:token>/", outcomes.survey, name="survey"),
    path("hasil/", outcomes.rates, name="rates"),
    path("tindak-lanjut/", outcomes.followups, name="followups"),
    path("tindak-lanjut/<int:pk>/", outcomes.followup, name="followup"),
    path("orang/<int:pk>/hasil/", outcomes.person_outcome, name="person_outcome"),
    path("ak1/", outcomes.ak1_list, name="ak1_list"),
    path("ak1/<int:pk>/", outcomes.ak1_report, name="ak1_report"),
    # Demand against supply and next year's plan (views/demand.py)
    path("permintaan/", demand.demand, name="demand"),
    path("perencanaan/", demand.planning, name="planning"),
]
