"""Open Badges 2.0 documents as plain dictionaries: Issuer, BadgeClass, hosted Assertion.

Each document's `id` is the URL it is served from, so a backpack can fetch and check it
("hosted" verification). Built from values the views look up; nothing here reads the request.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lms.certificates.issuing import hashed_identity

CONTEXT = "https://w3id.org/openbadges/v2"
MEDIA_TYPE = "application/ld+json"


def iso8601(moment: datetime) -> str:
    """A UTC timestamp as Open Badges writes it: 2026-04-21T03:04:05Z."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_profile(issuer_id: str, name: str, url: str, email: str) -> dict:
    """The Issuer profile: who awards the badges."""
    return {"@context": CONTEXT, "type": "Issuer", "id": issuer_id, "name": name, "url": url, "email": email}


def badge_class(badge_id: str, name: str, description: str, image: str, criteria: str, issuer: str) -> dict:
    """The BadgeClass of one course: what completing it means."""
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badge_id,
        "name": name,
        "description": description,
        "image": image,
        "criteria": criteria,
        "issuer": issuer,
    }


def assertion(
    assertion_id: str, badge: str, email: str, salt: str, issued_at: datetime, image: str, evidence: str
) -> dict:
    """A hosted Assertion: this recipient (a salted hash of their email) earned that badge."""
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_id,
        "recipient": {"type": "email", "hashed": True, "salt": salt, "identity": hashed_identity(email, salt)},
        "badge": badge,
        "image": image,
        "evidence": evidence,
        "issuedOn": iso8601(issued_at),
        "verification": {"type": "hosted"},
    }


def revoked_assertion(assertion_id: str, reason: str) -> dict:
    """What a revoked Assertion's URL answers (with HTTP 410 Gone)."""
    return {"@context": CONTEXT, "type": "Assertion", "id": assertion_id, "revoked": True, "revocationReason": reason}
