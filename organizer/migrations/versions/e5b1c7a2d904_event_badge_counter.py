"""event badge counter: the highest badge number an event has handed out

Adds event.last_badge_number and sets it to each event's highest guest badge number. Badge
numbers are taken from it (never below the highest number on the guest list), so on PostgreSQL
an RSVP can lock the event, take its number and add the guest in one statement.

Revision ID: e5b1c7a2d904
Revises: c3a9d4e8f210
Create Date: 2026-11-25 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b1c7a2d904'
down_revision = 'c3a9d4e8f210'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_badge_number', sa.Integer(), server_default='0',
                                      nullable=False))
    op.execute("UPDATE event SET last_badge_number = COALESCE("
               "(SELECT max(guest.badge_number) FROM guest WHERE guest.event_id = event.id), 0)")


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('last_badge_number')
