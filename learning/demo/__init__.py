"""The demo company's org chart: `org.csv` is an HR export, loaded through the real import."""

from pathlib import Path

from learning.org_file import read_org_file
from learning.services.org import org_import_apply, org_import_plan

ORG_FILE = Path(__file__).with_name("org.csv")


def seed_org() -> dict:
    """Import the demo org chart (idempotent: a second run changes nothing); no invitations."""
    plan = org_import_plan(read_org_file(ORG_FILE.read_bytes(), ORG_FILE.name))
    org_import_apply(plan, invite=False)
    return plan.summary()
