"""Figures of the information team's material for the statistics page: how citizens rated the
answers (per fiche, per topic) and how many messages reached the inbox each week."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.inbox.models import AnswerRecord, InboxItem


def satisfaction(
    session: Session, start: datetime, end: datetime, by: str
) -> list[tuple[str | None, int, int, int]]:
    """(fiche id or topic, answers given, rated Oui, rated Non) in [start, end), most first."""
    if by not in ("fiche_id", "topic"):
        raise ValueError(f"satisfaction by {by!r}")
    column = getattr(AnswerRecord, by)
    given = func.count(AnswerRecord.id)
    yes = func.sum(case((AnswerRecord.helpful.is_(True), 1), else_=0))
    no = func.sum(case((AnswerRecord.helpful.is_(False), 1), else_=0))
    rows = session.execute(
        select(column, given, yes, no)
        .where(AnswerRecord.created_at >= start, AnswerRecord.created_at < end)
        .group_by(column)
        .order_by(given.desc(), column)
    )
    return [(code, int(n), int(y or 0), int(k or 0)) for code, n, y, k in rows]


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def inbox_per_week(
    session: Session, start: datetime, end: datetime, tz: ZoneInfo
) -> list[tuple[date, int]]:
    """Messages that reached the inbox per local week (Monday), every week of the period."""
    created = session.execute(
        select(InboxItem.created_at).where(
            InboxItem.created_at >= start, InboxItem.created_at < end
        )
    ).scalars()
    counts = Counter(week_of(at.astimezone(tz).date()) for at in created)
    first, last = (
        week_of(start.astimezone(tz).date()),
        week_of((end - timedelta(seconds=1)).astimezone(tz).date()),
    )
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    return [(week, counts.get(week, 0)) for week in weeks]
