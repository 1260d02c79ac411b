"""Certificate pages through the test client: who may see and do what, and what they see."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate
from lms.courses.models import Enrolment
from lms.extensions import db
from tests import factories
from tests.certificates.conftest import complete, enrolment_of

ROLES = {"admin": "admin", "instructor": "gv.an", "learner": "hv.mai", "other learner": "hv.nam", "anonymous": None}


def login_as(auth, role):
    if ROLES[role]:
        auth.login(ROLES[role])


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def review_path(world, course_class=None):
    return f"/certificates/classes/{(course_class or world.course_class).id}"


# --- Access: every route × role -------------------------------------------------------------

ADMIN_PAGES = ["/certificates/classes", "review", "detail"]


def resolve(path, world):
    return {
        "review": review_path(world),
        "detail": f"/certificates/{world.certificate.id}",
        "pdf": f"/certificates/{world.certificate.id}/certificate.pdf",
    }.get(path, path)


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("instructor", 403), ("learner", 403), ("anonymous", 302)]
)
def test_admin_pages(certified, client, auth, path, role, status):
    login_as(auth, role)
    response = client.get(resolve(path, certified))
    assert response.status_code == status
    if status == 302:
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("role", "status"), [("instructor", 403), ("learner", 403), ("anonymous", 302)])
def test_only_admins_certify_and_revoke(certified, client, auth, role, status):
    login_as(auth, role)
    other = enrolment_of(certified.other_learner, certified.course_class)
    assert (
        auth.post(review_path(certified), {"only": str(other.id), f"reason-{other.id}": "Lý do đủ dài"}).status_code
        == status
    )
    assert (
        auth.post(f"/certificates/{certified.certificate.id}/revoke", {"reason": "Sai thông tin"}).status_code == status
    )
    assert count(Certificate) == 1
    db.session.refresh(certified.certificate)
    assert not certified.certificate.revoked


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("learner", 200), ("other learner", 404), ("instructor", 404), ("anonymous", 302)],
)
def test_pdf_is_for_its_learner_and_admins(certified, client, auth, role, status):
    login_as(auth, role)
    response = client.get(resolve("pdf", certified))
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "application/pdf"
        assert response.get_data().startswith(b"%PDF")
        assert "CCHC-" in response.headers["Content-Disposition"]


def test_pdf_of_an_unknown_certificate_is_not_found(certified, client, auth):
    auth.login("admin")
    assert client.get("/certificates/999999/certificate.pdf").status_code == 404
    assert client.get("/certificates/999999").status_code == 404


@pytest.mark.parametrize("role", ["admin", "instructor", "learner", "anonymous"])
def test_my_certificates(certified, client, auth, role):
    login_as(auth, role)
    response = client.get("/certificates")
    if role == "anonymous":
        assert response.status_code == 302
        return
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (certified.certificate.serial in page) == (role == "learner")


@pytest.mark.parametrize("role", ["admin", "instructor", "learner", "anonymous"])
def test_public_routes_need_no_login(certified, client, auth, role):
    login_as(auth, role)
    code = certified.certificate.verification_code
    for path in (
        f"/verify/{code}",
        f"/badges/assertions/{code}",
        "/badges/issuer",
        "/badges/courses/demo",
        "/badges/courses/demo/criteria",
        "/badges/courses/demo/badge.svg",
    ):
        assert client.get(path).status_code == 200, path


# --- The review page and certifying ----------------------------------------------------------


def test_review_shows_each_requirement_and_why(certified, client, auth):
    auth.login("admin")
    page = client.get(review_path(certified)).get_data(as_text=True)
    assert page.count('data-test="review-row"') == 2
    assert 'data-complete="yes"' in page and 'data-complete="no"' in page
    assert 'class="todo"' in page and 'class="ok"' in page
    assert "(Mở đầu, Thủ tục hành chính)" in page  # what the learner who has not started still misses
    assert certified.certificate.serial in page


def test_certify_a_completed_learner(world, client, auth):
    complete(enrolment_of(world.other_learner, world.course_class))
    enrolment = enrolment_of(world.other_learner, world.course_class)
    auth.login("admin")
    response = auth.post(review_path(world), {"only": str(enrolment.id)})
    assert response.status_code == 303
    certificate = db.session.scalar(select(Certificate))
    assert certificate.serial.startswith("CCHC-") and len(certificate.serial) == len("CCHC-2026-000001")
    assert len(certificate.verification_code) >= 32
    assert certificate.recipient_name == "Trần Văn Nam" and certificate.unit_name == "Phường 2"
    assert certificate.course_title == world.course.title and certificate.class_name == world.course_class.name
    assert certificate.override_reason is None and certificate.issued_by_id == world.admin.id
    assert db.session.get(Enrolment, enrolment.id).certified_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.issue"))
    assert event.actor_id == world.admin.id and event.details["serial"] == certificate.serial


def test_an_incomplete_learner_needs_a_reason(world, client, auth):
    enrolment = enrolment_of(world.other_learner, world.course_class)
    auth.login("admin")
    auth.client.get("/?lang=en")
    response = auth.post(review_path(world), {"only": str(enrolment.id), f"reason-{enrolment.id}": "  "})
    assert response.status_code == 400
    assert 'data-test="certify-errors"' in response.get_data(as_text=True)
    assert count(Certificate) == 0 and count(AuditEvent) == 1  # only the class's enrolment, at setup

    reason = "Học bù trực tiếp tại Sở, đã kiểm tra"
    response = auth.post(review_path(world), {"only": str(enrolment.id), f"reason-{enrolment.id}": reason})
    assert response.status_code == 303
    certificate = db.session.scalar(select(Certificate))
    assert certificate.override_reason == reason
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.issue"))
    assert event.details["override_reason"] == reason


def test_bulk_certify_issues_consecutive_serials(world, client, auth):
    for user in (world.learner, world.other_learner):
        complete(enrolment_of(user, world.course_class))
    ids = [str(enrolment_of(u, world.course_class).id) for u in (world.learner, world.other_learner)]
    auth.login("admin")
    assert auth.post(review_path(world), {"enrolment": ids}).status_code == 303
    serials = sorted(db.session.scalars(select(Certificate.serial)))
    assert len(serials) == 2
    assert int(serials[1][-6:]) == int(serials[0][-6:]) + 1
    issued = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.issue")).all()
    assert sorted(e.details["serial"] for e in issued) == serials


def bulk_refused(world, auth, ids, expected_text=None, extra=None):
    before_certs, before_audit = count(Certificate), count(AuditEvent)
    response = auth.post(review_path(world), {"enrolment": [str(i) for i in ids], **(extra or {})})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'data-test="certify-errors"' in page
    if expected_text:
        assert expected_text in page
    assert (count(Certificate), count(AuditEvent)) == (before_certs, before_audit)
    db.session.expire_all()
    assert all(
        e.certified_at is None
        for e in db.session.scalars(select(Enrolment))
        if not db.session.scalar(select(Certificate).where(Certificate.enrolment_id == e.id))
    )
    return page


def test_bulk_with_another_class_enrolment_writes_nothing(world, client, auth):
    stranger = factories.make_user("hv.la", full_name="Người Lớp Khác")
    other_class = factories.make_class(world.course, "LOP-9", learners=[stranger])
    for user, course_class in ((world.learner, world.course_class), (stranger, other_class)):
        complete(enrolment_of(user, course_class))
    ok = enrolment_of(world.learner, world.course_class).id
    foreign = enrolment_of(stranger, other_class).id
    auth.login("admin")
    page = bulk_refused(world, auth, [ok, foreign])
    assert f"{foreign}" in page and "Người Lớp Khác" not in page


def test_bulk_with_a_withdrawn_learner_writes_nothing(world, client, auth):
    for user in (world.learner, world.other_learner):
        complete(enrolment_of(user, world.course_class))
    gone = enrolment_of(world.other_learner, world.course_class)
    gone.status = "withdrawn"
    db.session.commit()
    auth.login("admin")
    bulk_refused(world, auth, [enrolment_of(world.learner, world.course_class).id, gone.id], "Trần Văn Nam")


def test_bulk_with_an_already_certified_learner_writes_nothing(certified, client, auth):
    complete(enrolment_of(certified.other_learner, certified.course_class))
    auth.login("admin")
    ids = [enrolment_of(u, certified.course_class).id for u in (certified.learner, certified.other_learner)]
    bulk_refused(certified, auth, ids, "Nguyễn Thị Mai")


def test_bulk_with_an_incomplete_learner_without_reason_writes_nothing(world, client, auth):
    complete(enrolment_of(world.learner, world.course_class))
    auth.login("admin")
    ids = [enrolment_of(u, world.course_class).id for u in (world.learner, world.other_learner)]
    bulk_refused(world, auth, ids, "Trần Văn Nam")


@pytest.mark.parametrize(
    "form",
    [{"enrolment": ["abc"]}, {"enrolment": ["1e3"]}, {"only": "-1"}, {}, {"enrolment": ["99999999999999999999"]}],
)
def test_bad_certify_input_is_refused_cleanly(world, client, auth, form):
    auth.login("admin")
    assert auth.post(review_path(world), form).status_code == 400
    assert count(Certificate) == 0


def test_certify_in_an_unknown_class_is_not_found(world, client, auth):
    auth.login("admin")
    assert auth.post("/certificates/classes/99999", {"only": "1"}).status_code == 404


def test_serial_taken_by_a_concurrent_issuer_is_retried(world, client, auth, monkeypatch):
    from lms.certificates import service

    complete(enrolment_of(world.learner, world.course_class))
    complete(enrolment_of(world.other_learner, world.course_class))
    auth.login("admin")
    first = enrolment_of(world.learner, world.course_class).id
    assert auth.post(review_path(world), {"only": str(first)}).status_code == 303
    taken = db.session.scalar(select(Certificate.serial))
    real = service.next_serial
    calls = []

    def stale(prefix, year, existing):  # as if another issuer had not committed yet when we read
        calls.append(1)
        return taken if len(calls) == 1 else real(prefix, year, existing)

    monkeypatch.setattr(service, "next_serial", stale)
    second = enrolment_of(world.other_learner, world.course_class).id
    assert auth.post(review_path(world), {"only": str(second)}).status_code == 303
    assert len(calls) == 2
    assert len(set(db.session.scalars(select(Certificate.serial)))) == 2


# --- Revoking and the public page --------------------------------------------------------------


def test_revoke_needs_a_reason_then_shows_at_once(certified, client, auth):
    code = certified.certificate.verification_code
    assert 'data-status="valid"' in client.get(f"/verify/{code}").get_data(as_text=True)
    auth.login("admin")
    path = f"/certificates/{certified.certificate.id}/revoke"
    assert auth.post(path, {"reason": " "}).status_code == 400
    assert auth.post(path, {"reason": "x" * 1001}).status_code == 400
    db.session.refresh(certified.certificate)
    assert not certified.certificate.revoked

    assert auth.post(path, {"reason": "Cấp nhầm người"}).status_code == 303
    db.session.expire_all()
    certificate = db.session.get(Certificate, certified.certificate.id)
    assert certificate.revoked and certificate.revocation_reason == "Cấp nhầm người"
    assert certificate.enrolment.certified_at is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))
    assert event.details["reason"] == "Cấp nhầm người"

    auth.logout()
    response = client.get(f"/verify/{code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
    assert 'data-status="revoked"' in page and "Cấp nhầm người" in page

    auth.login("hv.mai")
    assert client.get(f"/certificates/{certificate.id}/certificate.pdf").status_code == 410
    assert 'data-test="certificate-pdf"' not in client.get(f"/classes/{certified.course_class.id}").get_data(
        as_text=True
    )


def test_the_learner_finds_the_certificate_on_the_dashboard_and_the_class_page(certified, client, auth):
    auth.login("hv.mai")
    link = f'href="/certificates/{certified.certificate.id}/certificate.pdf"'
    assert link in client.get("/").get_data(as_text=True)
    assert link in client.get(f"/classes/{certified.course_class.id}").get_data(as_text=True)
    auth.logout()
    auth.login("hv.nam")  # enrolled in the same class, not certified
    assert "certificate-pdf" not in client.get("/").get_data(as_text=True)


def test_revoking_twice_changes_nothing_and_reissuing_works(certified, client, auth):
    auth.login("admin")
    path = f"/certificates/{certified.certificate.id}/revoke"
    auth.post(path, {"reason": "Cấp nhầm người"})
    first = db.session.get(Certificate, certified.certificate.id).revoked_at
    assert auth.post(path, {"reason": "Lần thứ hai"}).status_code == 303
    db.session.expire_all()
    certificate = db.session.get(Certificate, certified.certificate.id)
    assert certificate.revoked_at == first and certificate.revocation_reason == "Cấp nhầm người"
    enrolment = enrolment_of(certified.learner, certified.course_class)
    assert auth.post(review_path(certified), {"only": str(enrolment.id)}).status_code == 303
    assert count(Certificate) == 2


def test_verify_page_shows_the_minimum(certified, client):
    certified.learner.email = "mai.private@example.org"
    db.session.commit()
    page = client.get(f"/verify/{certified.certificate.verification_code}").get_data(as_text=True)
    for shown in ("Nguyễn Thị Mai", certified.course.title, certified.course_class.name, certified.certificate.serial):
        assert shown in page
    assert "mai.private@example.org" not in page and "hv.mai" not in page


@pytest.mark.parametrize("code", ["nope", "A" * 32, "../../etc/passwd", "%3Cscript%3E"])
def test_unknown_codes_are_plainly_not_found(certified, client, code):
    assert client.get(f"/verify/{code}").status_code == 404
    assert client.get(f"/badges/assertions/{code}").status_code == 404


def test_guessing_codes_is_rate_limited_but_checking_is_not(certified, client):
    code = certified.certificate.verification_code
    for _ in range(25):
        assert client.get(f"/verify/{code}").status_code == 200
    statuses = [client.get(f"/verify/{'B' * 31}{i % 10}").status_code for i in range(21)]
    assert statuses[:20] == [404] * 20 and statuses[20] == 429
    assert client.get(f"/verify/{code}").status_code == 429  # a guesser is stopped, whatever they try
    assert client.get(f"/badges/assertions/{code}").status_code == 429


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "<img src=x onerror=alert(1)>"])
def test_hostile_names_are_escaped(world, client, auth, name):
    world.other_learner.full_name = name
    db.session.commit()
    auth.login("admin")
    enrolment = enrolment_of(world.other_learner, world.course_class)
    auth.post(review_path(world), {"only": str(enrolment.id), f"reason-{enrolment.id}": "Kiểm tra thủ công"})
    certificate = db.session.scalar(select(Certificate))
    pages = [
        client.get(review_path(world)),
        client.get(f"/certificates/{certificate.id}"),
        client.get(f"/verify/{certificate.verification_code}"),
    ]
    for response in pages:
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<img src=x" not in page
        assert '=HYPERLINK("' not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page or "=HYPERLINK(&#34;http://x&#34;)" in page


# --- The PDF from the view: name, QR, and where the QR leads ----------------------------------


def test_pdf_name_and_qr_lead_to_the_verification_page(world, client, auth):
    from tests.certificates.test_pdf import read_pdf

    world.learner.full_name = "Nguyễn Thị Hồng Ánh"
    db.session.commit()
    complete(enrolment_of(world.learner, world.course_class))
    auth.login("admin")
    auth.post(review_path(world), {"only": str(enrolment_of(world.learner, world.course_class).id)})
    certificate = db.session.scalar(select(Certificate))
    auth.logout()
    auth.login("hv.mai")
    class_page = client.get(f"/classes/{world.course_class.id}").get_data(as_text=True)
    assert f"/certificates/{certificate.id}/certificate.pdf" in class_page
    assert f"/certificates/{certificate.id}/certificate.pdf" in client.get("/").get_data(as_text=True)
    response = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    _size, text, codes = read_pdf(response.get_data())
    assert "Nguyễn Thị Hồng Ánh" in text.splitlines()
    assert codes == [f"http://localhost/verify/{certificate.verification_code}"]
    auth.logout()
    page = client.get(codes[0].removeprefix("http://localhost")).get_data(as_text=True)
    assert 'data-status="valid"' in page and "Nguyễn Thị Hồng Ánh" in page


def test_public_base_url_goes_into_the_qr_code(certified, app, client, auth):
    from tests.certificates.test_pdf import read_pdf

    app.config["PUBLIC_BASE_URL"] = "https://daotao.example.gov.vn"
    auth.login("hv.mai")
    response = client.get(f"/certificates/{certified.certificate.id}/certificate.pdf")
    _size, _text, codes = read_pdf(response.get_data())
    assert codes == [f"https://daotao.example.gov.vn/verify/{certified.certificate.verification_code}"]


# --- Open Badges ------------------------------------------------------------------------------


def get_json(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, path
    assert response.mimetype == "application/ld+json"
    return json.loads(response.get_data(as_text=True))


def test_hosted_assertion_links_badge_class_and_issuer(certified, client):
    from lms.certificates.issuing import hashed_identity

    code = certified.certificate.verification_code
    assertion = get_json(client, f"/badges/assertions/{code}")
    assert assertion["id"] == f"http://localhost/badges/assertions/{code}"
    assert assertion["type"] == "Assertion" and assertion["verification"] == {"type": "hosted"}
    recipient = assertion["recipient"]
    assert recipient["hashed"] is True and recipient["type"] == "email"
    assert recipient["identity"] == hashed_identity("mai@example.org", recipient["salt"])
    assert assertion["issuedOn"].endswith("Z")
    badge = get_json(client, assertion["badge"].removeprefix("http://localhost"))
    assert badge["type"] == "BadgeClass" and badge["id"] == assertion["badge"]
    assert badge["name"] == certified.course.title and badge["description"]
    issuer = get_json(client, badge["issuer"].removeprefix("http://localhost"))
    assert issuer["type"] == "Issuer" and issuer["id"] == badge["issuer"]
    assert issuer["name"] == "Sở Nội vụ Thành phố Hồ Chí Minh" and issuer["email"]
    image = client.get(badge["image"].removeprefix("http://localhost"))
    assert image.mimetype == "image/svg+xml" and b"<svg" in image.get_data()
    assert client.get(badge["criteria"].removeprefix("http://localhost")).status_code == 200


def test_revoked_assertion_is_gone(certified, client, auth):
    auth.login("admin")
    auth.post(f"/certificates/{certified.certificate.id}/revoke", {"reason": "Cấp nhầm người"})
    auth.logout()
    doc = get_json(client, f"/badges/assertions/{certified.certificate.verification_code}", 410)
    assert doc["revoked"] is True and doc["revocationReason"] == "Cấp nhầm người"


def test_a_learner_without_email_has_no_assertion(certified, client):
    certified.learner.email = None
    db.session.commit()
    code = certified.certificate.verification_code
    assert get_json(client, f"/badges/assertions/{code}", 404)["error"]
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert 'data-status="valid"' in page and "/badges/assertions/" not in page


def test_courses_without_certificates_have_no_public_badge(world, client):
    for path in (
        "/badges/courses/demo",
        "/badges/courses/demo/criteria",
        "/badges/courses/demo/badge.svg",
        "/badges/courses/nope",
    ):
        assert client.get(path).status_code == 404
