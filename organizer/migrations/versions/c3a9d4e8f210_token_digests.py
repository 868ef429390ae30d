"""token digests: look tokens up by their SHA-256, compare the token in constant time

Adds guest.edit_token_hash, guest.badge_token_hash and retired_badge_token.token_hash,
fills them for the rows already there, then makes them non-null with unique indexes.

Revision ID: c3a9d4e8f210
Revises: 71f03b8a15ad
Create Date: 2026-12-02 10:00:00.000000

"""
import hashlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a9d4e8f210'
down_revision = '71f03b8a15ad'
branch_labels = None
depends_on = None

BATCH = 500


def _digest(token):
    # Frozen copy of organizer.dbtypes.token_digest: a migration must not change with the app.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _fill(connection, table_name, pairs):
    """Set each ``digest`` column to the SHA-256 of its ``token`` column, in batches."""
    columns = [sa.column("id")]
    for token, digest in pairs:
        columns += [sa.column(token), sa.column(digest)]
    table = sa.table(table_name, *columns)
    tokens = [token for token, _ in pairs]
    update = table.update().where(table.c.id == sa.bindparam("row_id")).values(
        {digest: sa.bindparam(f"new_{digest}") for _, digest in pairs})
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, *[table.c[t] for t in tokens])
            .where(table.c.id > last_id).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        connection.execute(update, [
            {"row_id": row[0], **{f"new_{digest}": _digest(row[i + 1])
                                  for i, (_, digest) in enumerate(pairs)}}
            for row in rows])
        last_id = rows[-1][0]


def upgrade():
    with op.batch_alter_table('guest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edit_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('badge_token_hash', sa.String(length=64), nullable=True))
    with op.batch_alter_table('retired_badge_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_hash', sa.String(length=64), nullable=True))

    connection = op.get_bind()
    _fill(connection, 'guest', [('edit_token', 'edit_token_hash'),
                                ('badge_token', 'badge_token_hash')])
    _fill(connection, 'retired_badge_token', [('token', 'token_hash')])

    with op.batch_alter_table('guest', schema=None) as batch_op:
        batch_op.alter_column('edit_token_hash', existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.alter_column('badge_token_hash', existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.create_index(batch_op.f('ix_guest_edit_token_hash'), ['edit_token_hash'],
                              unique=True)
        batch_op.create_index(batch_op.f('ix_guest_badge_token_hash'), ['badge_token_hash'],
                              unique=True)
    with op.batch_alter_table('retired_badge_token', schema=None) as batch_op:
        batch_op.alter_column('token_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f('ix_retired_badge_token_token_hash'), ['token_hash'],
                              unique=True)


def downgrade():
    with op.batch_alter_table('retired_badge_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retired_badge_token_token_hash'))
        batch_op.drop_column('token_hash')
    with op.batch_alter_table('guest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guest_badge_token_hash'))
        batch_op.drop_index(batch_op.f('ix_guest_edit_token_hash'))
        batch_op.drop_column('badge_token_hash')
        batch_op.drop_column('edit_token_hash')
