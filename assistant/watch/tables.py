"""The alert tables in the state store (migration 0003): subscriptions, dedupe state, deliveries, runs.

They live in the same database as proposals and audit (SQLite by default, PostgreSQL when scaled out),
so dedupe and "exactly one run per tick" hold across restarts and across replicas.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tools.governance.store import Base


class SubscriptionRow(Base):
    """Who gets which rule, for which warehouse/vendor, where, and when (instant or a daily digest)."""

    __tablename__ = "alert_subscriptions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    username: Mapped[str | None] = mapped_column(sa.String(128), nullable=True, index=True)  # None: a role's
    role: Mapped[str] = mapped_column(sa.String(32))  # decides redaction (warehouse: no money)
    rule: Mapped[str] = mapped_column(sa.String(64))  # a rule name, or "*" for every rule the role may get
    warehouse: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    vendor: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
    channel: Mapped[str] = mapped_column(sa.String(16))  # slack | web
    target: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)  # Slack channel id; None = DM
    mode: Mapped[str] = mapped_column(sa.String(16))  # instant | digest
    digest_time: Mapped[str | None] = mapped_column(sa.String(5), nullable=True)  # "HH:MM" local
    quiet_start: Mapped[str | None] = mapped_column(sa.String(5), nullable=True)
    quiet_end: Mapped[str | None] = mapped_column(sa.String(5), nullable=True)
    tz: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)  # None: the user's / company's
    created_by: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)


class ConditionRow(Base):
    """The last state of one condition for one subscription: alerted once until its fingerprint changes
    (or it clears and comes back: a new episode)."""

    __tablename__ = "alert_conditions"

    subscription_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    condition_key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    episode: Mapped[int] = mapped_column(sa.Integer)
    active: Mapped[bool] = mapped_column(sa.Boolean)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime)


class DeliveryRow(Base):
    """One message to one subscriber (an alert or a digest). `delivery_key` is unique: the same
    (subscription, condition, episode) or (subscription, digest day) can never be queued twice."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    delivery_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    subscription_id: Mapped[int] = mapped_column(sa.Integer, index=True)
    username: Mapped[str | None] = mapped_column(sa.String(128), nullable=True, index=True)
    rule: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(16))  # alert | digest
    condition_key: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    target: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    title: Mapped[str] = mapped_column(sa.Text)
    payload_json: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(16), index=True)  # pending | held | sent | failed
    tick: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    not_before: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)  # quiet hours
    holder: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    external_ref: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)  # Slack ts


class RunRow(Base):
    """One claim per (job, tick): whoever inserts it first schedules the run; a worker takes a lease to
    run it; a run whose lease lapsed (the worker died) is run again by the next taker."""

    __tablename__ = "alert_runs"

    job: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    tick: Mapped[datetime] = mapped_column(sa.DateTime, primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(16), index=True)  # queued | running | done
    holder: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    result_json: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
