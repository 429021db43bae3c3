"""handoff tickets: tickets and their messages in the staff group; outbox kinds for the relay

``tickets`` holds each student's request for a person (at most one open per Telegram
user: a partial unique index, on SQLite and PostgreSQL alike); ``ticket_messages`` links
the messages in the staff group to the ticket (and to the student's chat). The outbox
learns two kinds: ``handoff`` (a text about a ticket) and ``handoff_copy`` (a staff
message copied to the student).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OUTBOX_KIND_OLD = "kind IN ('case_status')"
OUTBOX_KIND_NEW = "kind IN ('case_status', 'handoff', 'handoff_copy')"
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        'tickets',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('telegram_user_id', sa.String(length=64), nullable=False),
        sa.Column('student_id', sa.String(length=32), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=False),
        sa.Column('kb_topic', sa.String(length=40), nullable=True),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('english', sa.Boolean(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('outside_hours', sa.Boolean(), nullable=False),
        sa.Column('staff_chat_id', sa.String(length=32), nullable=True),
        sa.Column('thread_id', sa.Integer(), nullable=True),
        sa.Column('card_message_id', sa.Integer(), nullable=True),
        sa.Column('claimed_by', sa.String(length=100), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('first_reply_at', sa.DateTime(), nullable=True),
        sa.Column('reminded_at', sa.DateTime(), nullable=True),
        sa.Column('digested_at', sa.DateTime(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by', sa.String(length=100), nullable=True),
        sa.Column('close_reason', sa.String(length=16), nullable=True),
        sa.Column('rating', sa.SmallInteger(), nullable=True),
        sa.Column('rated_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed', 'cancelled')", name=op.f('ck_tickets_status')),
        sa.CheckConstraint("close_reason IS NULL OR close_reason IN ('staff', 'student', 'topic_closed')",
                           name=op.f('ck_tickets_close_reason')),
        sa.CheckConstraint('rating IS NULL OR rating IN (-1, 1)', name=op.f('ck_tickets_rating')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index('ix_tickets_staff_thread', ['staff_chat_id', 'thread_id'], unique=False)
        batch_op.create_index('uq_tickets_open_user', ['telegram_user_id'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_table(
        'ticket_messages',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('staff_chat_id', sa.String(length=32), nullable=True),
        sa.Column('staff_message_id', sa.Integer(), nullable=True),
        sa.Column('student_message_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('card', 'student', 'staff', 'notice')", name=op.f('ck_ticket_messages_kind')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_messages_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_messages')),
    )
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_messages_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index('ix_ticket_messages_staff_message', ['staff_chat_id', 'staff_message_id'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_kind'), OUTBOX_KIND_NEW)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE kind IN ('handoff', 'handoff_copy')")  # 0002 cannot hold them
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_kind'), OUTBOX_KIND_OLD)
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_messages_staff_message')
        batch_op.drop_index(batch_op.f('ix_ticket_messages_ticket_id'))
    op.drop_table('ticket_messages')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('uq_tickets_open_user', sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.drop_index('ix_tickets_staff_thread')
        batch_op.drop_index(batch_op.f('ix_tickets_opened_at'))
    op.drop_table('tickets')
