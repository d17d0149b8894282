from django.contrib.auth import views as auth_views
from django.urls import path

from kompeten.accounts import views

app_name = "accounts"
urlpatterns = [
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.account, name="account"),
    path("kata-sandi/", views.PasswordChangeView.as_view(), name="password_change"),
    # Two-factor authentication
    path("2fa/kode/", views.two_factor_verify, name="two_factor_verify"),
    path("2fa/pasang/", views.two_factor_setup, name="two_factor_setup"),
    path("2fa/kode-pemulihan/", views.two_factor_recovery, name="two_factor_recovery"),
    path("2fa/matikan/", views.two_factor_disable, name="two_factor_disable"),
    path("2fa/reset/", views.two_factor_reset, name="two_factor_reset"),
    # Password reset by e-mail
    path("lupa-kata-sandi/", views.PasswordResetView.as_view(), name="password_reset"),
    path("lupa-kata-sandi/terkirim/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("lupa-kata-sandi/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("lupa-kata-sandi/selesai/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
