"""The demo committee's members and an open review batch, so the committee stage can be tried end to end."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import AppUser, Org, ReviewBatch
from app.security import roles as r
from app.services.workdays import local_today

# 25 members (demo_expert is the first): enough for a quorate meeting of a senior committee (人社部令第40号).
_FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
_GIVEN = ("建国", "海燕", "志强", "丽华", "国栋", "晓明", "秀英", "振华", "文博", "雪梅", "永刚", "春生", "立新",
          "慧敏", "德明", "桂兰", "宏伟", "玉珍", "卫东", "淑芬", "明辉", "红梅", "俊杰", "凤英")
BATCH_NAME = "工程系列电子信息专业副高级职称评审"


def load_committee(committee: Org, password_hash: str) -> int:
    """Create the missing members and, when the committee has no open batch, one for 副高级; returns how many."""
    created = 0
    role = current_app.appbuilder.sm.find_role(r.EXPERT)
    for index, given in enumerate(_GIVEN, start=2):
        username = f"demo_expert_{index:02d}"
        if db.session.scalar(select(AppUser.id).where(AppUser.username == username)) is None:
            db.session.add(AppUser(
                username=username, first_name=given, last_name=_FAMILY[index - 2], active=True, roles=[role],
                orgs=[committee], email=f"{username}@zhiping.example", password=password_hash,
            ))
            created += 1
    today = local_today()
    open_now = db.session.scalar(select(func.count()).select_from(ReviewBatch).where(
        ReviewBatch.committee_id == committee.id, ReviewBatch.opens_on <= today, ReviewBatch.closes_on >= today))
    if not open_now:
        closes = today + dt.timedelta(days=60)
        db.session.add(ReviewBatch(
            committee_id=committee.id, name=f"{today.year}年度{BATCH_NAME}", series="GC", level="4",
            opens_on=today - dt.timedelta(days=30), closes_on=closes, meeting_date=closes + dt.timedelta(days=14),
        ))
        created += 1
    db.session.commit()
    return created

