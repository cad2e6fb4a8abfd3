"""Issuing and verifying certificates: unique numbers from a configurable pattern, random verification codes."""
from __future__ import annotations

import datetime as dt
import hmac
import secrets

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Application, BasicInfo, BusinessType, Certificate, CertificateCounter, CertificateStatus,
)

KIND_CODES = {
    BusinessType.evaluation: "P",
    BusinessType.recognition: "R",
    BusinessType.out_of_province: "C",
    BusinessType.reissue: "B",
}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def next_number(kind_code: str, year: int, pattern_setting: str = "CERTIFICATE_NUMBER_PATTERN") -> str:
    """The next certificate number for a kind and year; the counter row is updated under its row lock."""
    prefix = f"{year}{kind_code}"
    counter = CertificateCounter.__table__
    value = db.session.execute(
        update(counter).where(counter.c.prefix == prefix).values(value=counter.c.value + 1)
        .returning(counter.c.value)
    ).scalar()
    if value is None:
        try:
            with db.session.begin_nested():
                db.session.execute(counter.insert().values(prefix=prefix, value=1))
            value = 1
        except IntegrityError:  # another transaction created the counter first
            value = db.session.execute(
                update(counter).where(counter.c.prefix == prefix).values(value=counter.c.value + 1)
                .returning(counter.c.value)
            ).scalar()
    pattern = current_app.config[pattern_setting]
    return pattern.format(year=year, kind=kind_code, seq=value)


def new_code() -> str:
    """A verification code that cannot be guessed from the number."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def issue(application: Application, issued_on: dt.date) -> Certificate:
    """The certificate of a completed recognition, evaluation or out-of-province confirmation."""
    certificate = Certificate(
        number=next_number(KIND_CODES[application.business_type], issued_on.year),
        verification_code=new_code(), holder_id=application.user_id, holder_name=application.user.full_name,
        series=application.series, specialty=application.specialty, title=application.title,
        level=application.level, committee_id=application.committee_id, issuer_id=application.authority_id,
        issued_on=issued_on, application_id=application.id,
    )
    db.session.add(certificate)
    _update_current_title(application.user_id, certificate)
    return certificate


def reissue(application: Application, issued_on: dt.date) -> Certificate:
    """补换发: a new certificate with the original's facts; the original is marked replaced."""
    original = owned_valid(application.user_id, (application.form or {}).get("certificate_no", ""))
    certificate = Certificate(
        number=next_number(KIND_CODES[BusinessType.reissue], issued_on.year), verification_code=new_code(),
        holder_id=original.holder_id, holder_name=application.user.full_name, series=original.series,
        specialty=original.specialty, title=original.title, level=original.level,
        committee_id=original.committee_id, issuer_id=application.authority_id, issued_on=issued_on,
        application_id=application.id, original_id=original.id,
    )
    original.status = CertificateStatus.replaced
    db.session.add(certificate)
    return certificate


def owned_valid(user_id: int, number: str) -> Certificate | None:
    """A valid certificate of this person with this number."""
    return db.session.scalar(select(Certificate).where(
        Certificate.holder_id == user_id, Certificate.number == (number or "").strip(),
        Certificate.status == CertificateStatus.valid,
    ))


def verify(number: str, code: str) -> Certificate | None:
    """The certificate whose number and verification code both match, else None."""
    return verified(Certificate, number, code)


def verified(model, number: str, code: str):
    """The row of a certificate model (title or CE) whose number and verification code both match, else None;
    the code is compared in constant time."""
    found = db.session.scalar(select(model).where(model.number == (number or "").strip()[:40]))
    given = (code or "").strip().upper()[:CODE_LENGTH * 2]
    if found is None or not hmac.compare_digest(found.verification_code, given):
        return None
    return found


def masked_name(name: str) -> str:
    """张三 → 张*, 张三丰 → 张*丰: enough to recognise, not enough to collect."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _update_current_title(user_id: int, certificate: Certificate) -> None:
    """The profile's 当前职称 follows an issued title certificate."""
    basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == user_id))
    if basic is not None:
        basic.current_title = certificate.title
        basic.current_title_date = certificate.issued_on
