"""A client's safety plan: saved whole, read back whole."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from sqlalchemy import select

from bot.storage.database import Database
from bot.storage.models import SafetyPlan, utcnow


@dataclass(frozen=True)
class PlanSteps:
    """The Stanley-Brown steps, in order; None where the client skipped one."""

    warning_signs: str | None = None
    coping: str | None = None
    distractions: str | None = None
    people: str | None = None
    professionals: str | None = None
    environment: str | None = None

    @classmethod
    def names(cls) -> list[str]:
        return [field.name for field in fields(cls)]


def save(db: Database, conversation_id: str, steps: PlanSteps) -> None:
    """Creates or replaces the plan in one transaction."""
    with db.session() as session:
        plan = session.scalar(
            select(SafetyPlan).where(SafetyPlan.conversation_id == conversation_id)
        )
        if plan is None:
            plan = SafetyPlan(conversation_id=conversation_id)
            session.add(plan)
        for name, value in asdict(steps).items():
            setattr(plan, name, db.cipher.encrypt(value))
        plan.updated_at = utcnow()


def load(db: Database, conversation_id: str) -> PlanSteps | None:
    with db.session() as session:
        plan = session.scalar(
            select(SafetyPlan).where(SafetyPlan.conversation_id == conversation_id)
        )
        if plan is None:
            return None
        return PlanSteps(
            **{name: db.cipher.decrypt(getattr(plan, name)) for name in PlanSteps.names()}
        )
