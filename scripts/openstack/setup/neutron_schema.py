"""Create neutron's schema from its models, as neutron's own tests do; the caller then stamps it
with `neutron-db-manage stamp heads`. A few seconds, where the migrations take about a minute.

usage: neutron_schema.py DB_URL
"""
import sys

import sqlalchemy as sa
from neutron.db.migration.models import head  # imports every model

engine = sa.create_engine(sys.argv[1])
head.get_metadata().create_all(engine)
print(f"created {len(head.get_metadata().tables)} tables")
