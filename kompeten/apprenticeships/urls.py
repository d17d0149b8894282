from django.urls import path

from kompeten.apprenticeships.views import companies, home, offers, placements, rounds

app_name = "apprenticeships"
urlpatterns = [
    path("", home.home, name="home"),
    # Companies (views/companies.py)
    path("perusahaan/daftar/", companies.company_register, name="company_register"),
    path("perusahaan/", companies.company_list, name="company_list"),
    path("perusahaan/<int:pk>/", companies.company_detail, name="company_detail"),
    path("perusahaan/<int:pk>/ubah/", companies.company_edit, name="company_edit"),
    path("perusahaan/<int:pk>/verifikasi/", companies.company_verify, name="company_verify"),
    path("perusahaan/<int:pk>/tolak/", companies.company_reject, name="company_reject"),
    path("perusahaan/<int:pk>/pembimbing/", companies.mentor_add, name="mentor_add"),
    # Offers and the company's view of its applicants (views/offers.py)
    path("program/", offers.offer_list, name="offer_list"),
    path("program/baru/", offers.offer_create, name="offer_create"),
    path("program/<int:pk>/", offers.offer_detail, name="offer_detail"),
    path("program/<int:pk>/ubah/", offers.offer_edit, name="offer_edit"),
    path("program/<int:pk>/ajukan/", offers.offer_submit, name="offer_submit"),
    path("program/<int:pk>/setujui/", offers.offer_approve, name="offer_approve"),
    path("program/<int:pk>/tolak/", offers.offer_reject, name="offer_reject"),
    path("program/<int:pk>/tutup/", offers.offer_close, name="offer_close"),
    path("program/<int:pk>/pelamar/", offers.offer_applicants, name="offer_applicants"),
    path("pelamar/<int:pk>/", offers.applicant_detail, name="applicant_detail"),
    # Matching rounds and the candidate's side (views/rounds.py)
    path("putaran/", rounds.round_list, name="round_list"),
    path("putaran/baru/", rounds.round_create, name="round_create"),
    path("putaran/<int:pk>/", rounds.round_detail, name="round_detail"),
    path("putaran/<int:pk>/tutup/", rounds.round_close, name="round_close"),
    path("putaran/<int:pk>/cocokkan/", rounds.round_match, name="round_match"),
    path("putaran/<int:pk>/umumkan/", rounds.round_publish, name="round_publish"),
    path("putaran/<int:pk>/daftar/", rounds.round_apply, name="round_apply"),
    path("saya/", rounds.my_apprenticeship, name="mine"),
    # Placements, agreements, logbook, monitoring, completion (views/placements.py)
    path("penempatan/", placements.placement_list, name="placement_list"),
    path("penempatan/baru/", placements.placement_create, name="placement_create"),
    path("penempatan/<int:pk>/", placements.placement_detail, name="placement_detail"),
    path("penempatan/<int:pk>/status/", placements.placement_transition, name="placement_transition"),
    path("penempatan/<int:pk>/perjanjian.pdf", placements.agreement_pdf, name="agreement_pdf"),
    path("penempatan/<int:pk>/scan/", placements.scan_upload, name="scan_upload"),
    path("penempatan/<int:pk>/scan/unduh/", placements.scan_download, name="scan_download"),
    path("penempatan/<int:pk>/pindah/", placements.placement_transfer, name="placement_transfer"),
    path("penempatan/<int:pk>/kunjungan/", placements.visit_add, name="visit_add"),
    path("penempatan/<int:pk>/penilaian/", placements.placement_complete, name="placement_complete"),
    path("penempatan/<int:pk>/logbook/", placements.logbook_write, name="logbook_write"),
    path("logbook/<int:pk>/konfirmasi/", placements.logbook_confirm, name="logbook_confirm"),
]
