"""host session version: logging out ends every session cookie issued before

Adds host.session_version (0 for existing hosts). The session cookie names "<id>.<version>";
logging out raises the version, so a copied cookie stops working. Cookies from before this
revision name only the id and are refused once: the host logs in again.

Revision ID: a4d8e6f1c2b7
Revises: f7c2e91b3a55
Create Date: 2026-11-27 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4d8e6f1c2b7'
down_revision = 'f7c2e91b3a55'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('host', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('host', schema=None) as batch_op:
        batch_op.drop_column('session_version')
