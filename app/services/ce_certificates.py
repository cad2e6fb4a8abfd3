"""继续教育证书 (seed 002 §3.3.4): a person's years at a glance, and one numbered certificate per 培训年度."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import DomainError
from app.extensions import db
from app.models import AppUser, BasicInfo, CeCertificate, CeRecord, CeRecordStatus, CertificateStatus
from app.services import audit, certificates
from app.workflow import ce_compliance
from app.workflow.ce_compliance import Assessment

KIND_CODE = "JX"


@dataclass(frozen=True)
class AnnualRow:
    """One 培训年度 of the 继续教育证书打印 list: its figures, verdict, and the certificate printed for it."""

    assessment: Assessment
    series: str | None
    certificate: CeCertificate | None

    @property
    def year(self) -> int:
        return self.assessment.totals.year


def years_with_hours(user_id: int) -> list[int]:
    """The 培训年度 in which the person has recognised hours, newest first."""
    return list(db.session.scalars(
        select(CeRecord.year).where(CeRecord.user_id == user_id, CeRecord.status == CeRecordStatus.approved)
        .group_by(CeRecord.year).order_by(CeRecord.year.desc())
    ))


def annual_rows(user_id: int) -> list[AnnualRow]:
    """Every year with recognised hours, newest first, with its assessment and valid certificate."""
    years = years_with_hours(user_id)
    if not years:
        return []
    assessments = {a.totals.year: a for a in ce_compliance.assess_years(user_id, years)}
    printed = {c.year: c for c in db.session.scalars(select(CeCertificate).where(
        CeCertificate.holder_id == user_id, CeCertificate.status == CertificateStatus.valid))}
    series = _series(user_id)
    return [AnnualRow(assessments[year], series, printed.get(year)) for year in years]


def issue(holder: AppUser, year: int, today: dt.date) -> CeCertificate:
    """The valid certificate of the year: the one printed before when the figures still agree, else a new one
    that replaces it. DomainError when the year has no recognised hours or has not begun."""
    if year > today.year:
        raise DomainError(_("The year %(year)d has not begun.", year=year))
    assessment = ce_compliance.assess_years(holder.id, [year])[0]
    if not assessment.totals.total:
        raise DomainError(_("There are no recognised continuing-education hours in %(year)d.", year=year))
    figures = _figures(assessment, _series(holder.id))
    current = _valid(holder.id, year, lock=True)
    if current is not None and all(getattr(current, key) == value for key, value in figures.items()):
        return current
    if current is not None:
        current.status = CertificateStatus.replaced
        db.session.flush()  # the partial unique index allows one valid certificate per year
    certificate = CeCertificate(
        number=certificates.next_number(KIND_CODE, year, "CE_CERTIFICATE_NUMBER_PATTERN"),
        verification_code=certificates.new_code(), holder_id=holder.id, holder_name=holder.full_name, year=year,
        issued_on=today, original_id=current.id if current else None, **figures,
    )
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:  # another request printed the same year at the same moment
        winner = _valid(holder.id, year, lock=False)
        if winner is None:
            raise
        return winner
    audit.record("ce_certificate_issue", certificate, actor=holder, detail=f"{certificate.number} ({year})")
    return certificate


def verify(number: str, code: str) -> CeCertificate | None:
    """The CE certificate whose number and verification code both match, else None."""
    return certificates.verified(CeCertificate, number, code)


def _valid(holder_id: int, year: int, *, lock: bool) -> CeCertificate | None:
    query = select(CeCertificate).where(CeCertificate.holder_id == holder_id, CeCertificate.year == year,
                                        CeCertificate.status == CertificateStatus.valid)
    return db.session.scalar(query.with_for_update(of=CeCertificate) if lock else query)


def _series(user_id: int) -> str | None:
    return db.session.scalar(select(BasicInfo.title_series).where(BasicInfo.user_id == user_id))


def _figures(assessment: Assessment, series: str | None) -> dict:
    totals = assessment.totals
    return {
        "series": series,
        "public_courses": totals.courses.get("public", 0), "public_hours": totals.of("public"),
        "professional_courses": totals.courses.get("professional", 0),
        "professional_hours": totals.of("professional"),
        "elective_courses": totals.courses.get("elective", 0), "elective_hours": totals.of("elective"),
        "total_hours": totals.total, "compliant": assessment.compliant,
    }
