"""Completion review and certifying (admins), certificate PDFs, public verification, Open Badges."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.auth.decorators import roles_required
from lms.auth.models import Role
from lms.certificates import badges
from lms.certificates.issuing import (
    PrintedFacts,
    clean_reason,
    looks_like_code,
)
from lms.certificates.models import Certificate
from lms.certificates.pdf import Document, certificate_pdf
from lms.certificates.service import (
    certificate_by_code,
    certify,
    class_certificates,
    review,
    revoke,
    user_certificates,
    withdrawn,
)
from lms.courses.models import Course, CourseClass, Enrolment, EnrolmentStatus
from lms.database import utcnow, write_transaction
from lms.extensions import db, limiter
from lms.paging import page_number, page_of
from lms.refusals import Refused, flash_refusal
from lms.responses import download
from lms.text import whole_number

bp = Blueprint(
    "certificates",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/certificates/static",
)

PUBLIC_CACHE = "no-cache"  # a revocation shows at once: every look-up asks the server again


def _was_a_miss(_response) -> bool:
    return g.get("verify_miss", False)


# Look-ups of unknown codes, per client address and shared by the page and the badge assertion:
# only misses count, and past the limit every look-up is refused (429), so guessing is slow and
# real checks are not. Counted by Flask-Limiter, which falls back to memory if Redis is down.
count_misses = limiter.shared_limit(
    lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="verify-miss", deduct_when=_was_a_miss
)


def _lookup(code: str) -> Certificate | None:
    """The certificate of a code; a miss is noted for `count_misses`."""
    certificate = certificate_by_code(code) if looks_like_code(code) else None
    if certificate is None:
        g.verify_miss = True
    return certificate


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def public_url(endpoint: str, **values) -> str:
    """An absolute URL for QR codes and badges: LMS_PUBLIC_BASE_URL if set, else the request's host."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    return base + url_for(endpoint, **values) if base else url_for(endpoint, _external=True, **values)


# --- Admins: review a class, certify, revoke -------------------------------------------------


@bp.get("/certificates/classes")
@roles_required(Role.ADMIN)
def classes():
    """Every class with its number of learners and of certificates, to pick one to review."""
    counts = dict(
        db.session.execute(
            select(Enrolment.class_id, func.count())
            .where(Enrolment.status == EnrolmentStatus.ACTIVE)
            .group_by(Enrolment.class_id)
        ).all()
    )
    certified = dict(
        db.session.execute(
            select(Enrolment.class_id, func.count())
            .join(Certificate, Certificate.enrolment_id == Enrolment.id)
            .where(Certificate.revoked_at.is_(None))
            .group_by(Enrolment.class_id)
        ).all()
    )
    all_classes = db.session.scalars(select(CourseClass).order_by(CourseClass.starts_on.desc(), CourseClass.name))
    return render_template("certificates/classes.html", classes=all_classes, counts=counts, certified=certified)


def _render_review(course_class: CourseClass, errors: list[str], status: int = 200):
    rows = review(course_class)
    return render_template(
        "certificates/review.html",
        course_class=course_class,
        rows=rows,
        page=page_of(rows, page_number()),
        withdrawn=withdrawn(course_class),
        certificates=class_certificates(course_class),
        errors=errors,
        form=request.form if request.method == "POST" else {},
        chosen=set(request.form.getlist("enrolment")) if request.method == "POST" else set(),
    ), status


@bp.get("/certificates/classes/<int:class_id>")
@roles_required(Role.ADMIN)
def review_class(class_id: int):
    """Every learner of a class with each requirement met or not, and their certificate."""
    course_class = db.get_or_404(CourseClass, class_id)
    return _render_review(course_class, [])


def _requested_ids() -> list[int] | None:
    """The enrolments the form asks to certify: one row's button, else the ticked boxes."""
    only = request.form.get("only")
    values = [only] if only else request.form.getlist("enrolment")
    ids = [whole_number(v, minimum=1) for v in values]
    return None if None in ids else ids


@bp.post("/certificates/classes/<int:class_id>")
@roles_required(Role.ADMIN)
def certify_class(class_id: int):
    """Certify one learner or the ticked ones: all of them, or none if any cannot be."""
    course_class = db.get_or_404(CourseClass, class_id)
    requested = _requested_ids()
    if requested is None:
        return _render_review(course_class, [_("The request was not understood; nothing was certified.")], 400)
    if not requested:
        return _render_review(course_class, [_("Tick at least one learner to certify.")], 400)
    reasons = {i: clean_reason(request.form.get(f"reason-{i}")) for i in requested}
    try:
        with write_transaction():
            issued = certify(
                db.get_or_404(CourseClass, class_id),
                requested,
                reasons,
                current_user,
                utcnow(),
                _zone(),
                current_app.config["CERTIFICATE_SERIAL_PREFIX"],
            )
    except Refused as refusal:
        return _render_review(db.get_or_404(CourseClass, class_id), refusal.messages(), 400)
    flash(_("Certificates issued: %(n)d.", n=len(issued)), "success")
    page = page_number()  # back to the page the admin was on (certified learners move to the end)
    return redirect(url_for("certificates.review_class", class_id=class_id, page=page if page > 1 else None), 303)


def _admin_certificate(certificate_id: int) -> Certificate:
    return db.get_or_404(Certificate, certificate_id)


@bp.get("/certificates/<int:certificate_id>")
@roles_required(Role.ADMIN)
def detail(certificate_id: int):
    """One certificate: what it states, who issued it, its public links, and the revoke form."""
    certificate = _admin_certificate(certificate_id)
    return render_template("certificates/detail.html", certificate=certificate, error=None)


@bp.post("/certificates/<int:certificate_id>/revoke")
@roles_required(Role.ADMIN)
def revoke_certificate(certificate_id: int):
    """Revoke a certificate with a written reason; the verification page says so at once."""
    reason = clean_reason(request.form.get("reason"))
    try:
        with write_transaction():
            certificate = _admin_certificate(certificate_id)
            revoke(certificate, current_user, reason, utcnow())
    except Refused as refusal:
        if refusal.code == "already_revoked":
            flash_refusal(refusal)
            return redirect(url_for("certificates.detail", certificate_id=certificate_id), 303)
        certificate = _admin_certificate(certificate_id)
        return render_template("certificates/detail.html", certificate=certificate, error=refusal.messages()[0]), 400
    flash(_("Certificate %(serial)s is revoked.", serial=certificate.serial), "success")
    return redirect(url_for("certificates.detail", certificate_id=certificate_id), 303)


# --- Learners: their certificates and the PDF -------------------------------------------------


@bp.get("/certificates")
@login_required
def mine():
    """The current user's certificates, revoked ones marked."""
    return render_template("certificates/mine.html", certificates=user_certificates(current_user))


@bp.get("/certificates/<int:certificate_id>/certificate.pdf")
@login_required
def pdf(certificate_id: int):
    """The certificate as a PDF, for its learner and for admins (anyone else: not found)."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not (current_user.is_admin or certificate.enrolment.user_id == current_user.id):
        abort(404)
    if certificate.revoked:
        return render_template("certificates/gone.html", certificate=certificate), 410
    document = Document(
        facts=_printed(certificate),
        serial=certificate.serial,
        issuer=current_app.config["CERTIFICATE_ISSUER"],
        verify_url=public_url("certificates.verify", code=certificate.verification_code),
        issued_on=certificate.issued_at.astimezone(_zone()).date(),
    )
    return download(certificate_pdf(document), f"{certificate.serial}.pdf", "application/pdf")


def _printed(certificate: Certificate) -> PrintedFacts:
    return PrintedFacts(
        recipient_name=certificate.recipient_name,
        unit_name=certificate.unit_name,
        course_title=certificate.course_title,
        class_name=certificate.class_name,
        starts_on=certificate.starts_on,
        ends_on=certificate.ends_on,
        completed_on=certificate.completed_on,
        minutes=certificate.minutes,
    )


# --- Public: verification page and Open Badges ------------------------------------------------


@bp.get("/verify/<code>")
@count_misses
def verify(code: str):
    """Public: whether a certificate is valid or revoked, with the least personal data."""
    certificate = _lookup(code) or abort(404)
    response = Response(
        render_template(
            "certificates/verify.html",
            certificate=certificate,
            has_badge=bool(certificate.enrolment.user.email),
        )
    )
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


def _json(document: dict, status: int = 200) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False, indent=2), status=status, mimetype=badges.MEDIA_TYPE)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    response.headers["Access-Control-Allow-Origin"] = "*"  # public documents, read by backpacks and validators
    return response


def _issuer_id() -> str:
    return public_url("certificates.badge_issuer")


@bp.get("/badges/issuer")
def badge_issuer():
    """Open Badges Issuer profile."""
    config = current_app.config
    return _json(
        badges.issuer_profile(
            _issuer_id(),
            config["CERTIFICATE_ISSUER"],
            config["CERTIFICATE_ISSUER_URL"] or public_url("dashboard.home"),
            config["CERTIFICATE_ISSUER_EMAIL"],
        )
    )


def _badged_course(slug: str) -> Course:
    """A course that has issued at least one certificate (others have no public badge)."""
    course = db.session.scalar(select(Course).where(Course.slug == slug)) or abort(404)
    issued = db.session.scalar(
        select(func.count())
        .select_from(Certificate)
        .join(Enrolment)
        .join(CourseClass)
        .where(CourseClass.course_id == course.id)
    )
    return course if issued else abort(404)


def _badge_description(course: Course) -> str:
    return course.summary.strip() or f"Hoàn thành khóa bồi dưỡng “{course.title}”."


@bp.get("/badges/courses/<slug>")
def badge_class(slug: str):
    """Open Badges BadgeClass of a course."""
    course = _badged_course(slug)
    return _json(
        badges.badge_class(
            public_url("certificates.badge_class", slug=slug),
            course.title,
            _badge_description(course),
            public_url("certificates.badge_image", slug=slug),
            public_url("certificates.badge_criteria", slug=slug),
            _issuer_id(),
        )
    )


@bp.get("/badges/courses/<slug>/criteria")
def badge_criteria(slug: str):
    """Public: what a learner does to earn the course's badge."""
    course = _badged_course(slug)
    return render_template("certificates/criteria.html", course=course, issuer=current_app.config["CERTIFICATE_ISSUER"])


@bp.get("/badges/courses/<slug>/badge.svg")
def badge_image(slug: str):
    """The course's badge image (SVG)."""
    course = _badged_course(slug)
    response = Response(render_template("certificates/badge.svg", course=course), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/badges/assertions/<code>")
@count_misses
def badge_assertion(code: str):
    """Open Badges hosted Assertion of one certificate; 410 once revoked."""
    certificate = _lookup(code)
    if certificate is None:
        return _json({"error": "not found"}, 404)
    own_url = public_url("certificates.badge_assertion", code=code)
    if certificate.revoked:
        return _json(badges.revoked_assertion(own_url, certificate.revocation_reason or ""), 410)
    email = certificate.enrolment.user.email
    if not email:  # no recipient to name: see docs/certificates.md
        return _json({"error": "this certificate's learner has no email address, so it has no badge"}, 404)
    slug = certificate.enrolment.course_class.course.slug
    return _json(
        badges.assertion(
            own_url,
            public_url("certificates.badge_class", slug=slug),
            email.strip().lower(),
            certificate.recipient_salt,
            certificate.issued_at,
            public_url("certificates.badge_image", slug=slug),
            public_url("certificates.verify", code=code),
        )
    )
