"""Certificates: the pure (Django-free) engine for signing, QR payloads, status lists and Open Badges."""
