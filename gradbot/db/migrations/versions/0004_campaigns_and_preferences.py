"""reminder campaigns, students' preferences, scheduled outbox rows (kind 'campaign')

New tables ``student_preferences``, ``campaigns`` and ``campaign_recipients`` (unique per
campaign and student: a student gets a campaign at most once). The outbox gets
``not_before`` (a row is not sent before it) and the kind ``campaign``.

The outbox's kind CHECK is rebuilt from the kinds already allowed in the database plus
``campaign`` (and back without it), so this revision sits after any other revision that
adds a kind: re-chaining it needs only ``down_revision`` changed.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-27 12:00:00
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

NEW_KIND = 'campaign'
LANGUAGE = "language IN ('zh', 'en')"


def _kinds_in_database() -> list[str]:
    """The kinds the outbox's CHECK constraint allows now (``case_status`` when it cannot be read)."""
    for check in sa.inspect(op.get_bind()).get_check_constraints('outbox'):
        if check.get('name') == 'ck_outbox_kind' or 'kind' in (check.get('sqltext') or '').split(' IN')[0]:
            kinds = re.findall(r"'([^']+)'", str(check.get('sqltext') or ''))
            if kinds:
                return kinds
    return ['case_status']


def _set_kinds(kinds: list[str]) -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_kind'), f"kind IN ({', '.join(repr(k) for k in kinds)})")


def upgrade() -> None:
    op.create_table(
        'student_preferences',
        sa.Column('student_id', sa.String(length=32), nullable=False),
        sa.Column('reminders', sa.Boolean(), nullable=False),
        sa.Column('status_notifications', sa.Boolean(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=True),
        sa.Column('telegram_language', sa.String(length=8), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(f"language IS NULL OR {LANGUAGE}", name=op.f('ck_student_preferences_language')),
        sa.CheckConstraint(f"telegram_language IS NULL OR {LANGUAGE.replace('language', 'telegram_language')}",
                           name=op.f('ck_student_preferences_telegram_language')),
        sa.ForeignKeyConstraint(['student_id'], ['students.student_id'],
                                name=op.f('fk_student_preferences_student_id_students')),
        sa.PrimaryKeyConstraint('student_id', name=op.f('pk_student_preferences')),
    )
    op.create_table(
        'campaigns',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('send_at', sa.DateTime(), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('source_file', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_queued_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
        sa.UniqueConstraint('name', name=op.f('uq_campaigns_name')),
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_before', sa.DateTime(), nullable=True))
    _set_kinds([k for k in _kinds_in_database() if k != NEW_KIND] + [NEW_KIND])
    op.create_table(
        'campaign_recipients',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.String(length=32), nullable=False),
        sa.Column('telegram_user_id', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('outbox_id', sa.Integer(), nullable=True),
        sa.Column('queued_at', sa.DateTime(), nullable=False),
        sa.Column('pressed_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(LANGUAGE, name=op.f('ck_campaign_recipients_language')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_recipients_campaign_id_campaigns')),
        sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_campaign_recipients_outbox_id_outbox')),
        sa.ForeignKeyConstraint(['student_id'], ['students.student_id'], name=op.f('fk_campaign_recipients_student_id_students')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_recipients')),
        sa.UniqueConstraint('campaign_id', 'student_id', name='uq_campaign_recipients_campaign_student'),
    )
    with op.batch_alter_table('campaign_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_recipients_outbox_id'), ['outbox_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_recipients_student_id'), ['student_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('campaign_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_recipients_student_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_recipients_outbox_id'))
    op.drop_table('campaign_recipients')
    op.execute(f"DELETE FROM outbox WHERE kind = '{NEW_KIND}'")  # the older schema cannot hold them
    _set_kinds([k for k in _kinds_in_database() if k != NEW_KIND] or ['case_status'])
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('not_before')
    op.drop_table('campaigns')
    op.drop_table('student_preferences')
