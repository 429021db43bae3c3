"""allowed values as CHECK constraints; the outbox gets kind, reply_markup and payload

Levels (students, handoff_requests), outbox status and kind, and conversation feedback
were comments; now the database refuses anything else. The outbox becomes general:
``kind`` (every existing row is a case-status notification), optional ``reply_markup``
and ``payload`` JSON, and ``student_id`` optional (a message not tied to a binding).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

LEVELS = "level IS NULL OR level IN ('undergraduate', 'master', 'doctor')"
OUTBOX_STATUS = "status IN ('pending', 'sending', 'sent', 'failed', 'skipped')"
OUTBOX_KIND = "kind IN ('case_status')"
FEEDBACK = "feedback IS NULL OR feedback IN (-1, 1)"


def upgrade() -> None:
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_students_level'), LEVELS)
    with op.batch_alter_table('handoff_requests', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_handoff_requests_level'), LEVELS)
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_conversation_messages_feedback'), FEEDBACK)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=32), server_default='case_status', nullable=False))
        batch_op.add_column(sa.Column('reply_markup', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))
        batch_op.alter_column('student_id', existing_type=sa.String(length=32), nullable=True)
        batch_op.create_check_constraint(op.f('ck_outbox_status'), OUTBOX_STATUS)
        batch_op.create_check_constraint(op.f('ck_outbox_kind'), OUTBOX_KIND)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE student_id IS NULL")  # 0001 cannot hold them
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_kind'), type_='check')
        batch_op.drop_constraint(op.f('ck_outbox_status'), type_='check')
        batch_op.alter_column('student_id', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('payload')
        batch_op.drop_column('reply_markup')
        batch_op.drop_column('kind')
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_conversation_messages_feedback'), type_='check')
    with op.batch_alter_table('handoff_requests', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_handoff_requests_level'), type_='check')
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_students_level'), type_='check')
