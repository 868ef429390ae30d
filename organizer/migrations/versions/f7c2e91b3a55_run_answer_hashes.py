"""run answer hashes: what each guest had written when a matching run was made

Adds match_run.answers_json, {guest id: answers hash} for the guests the run covered, so the
matches page can tell the host who changed their answers since the run. Runs made before this
revision keep "{}" (unknown).

Revision ID: f7c2e91b3a55
Revises: e5b1c7a2d904
Create Date: 2026-11-27 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7c2e91b3a55'
down_revision = 'e5b1c7a2d904'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answers_json', sa.Text(), server_default='{}', nullable=False))


def downgrade():
    with op.batch_alter_table('match_run', schema=None) as batch_op:
        batch_op.drop_column('answers_json')
