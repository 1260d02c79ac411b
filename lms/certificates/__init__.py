"""Certificates of completion: issuing, PDF, QR, public verification, Open Badges, revocation."""
