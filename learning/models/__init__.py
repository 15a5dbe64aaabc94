"""Learning's models, by topic; import them from `learning.models`."""

from learning.models.certificates import Certificate, CertificateBatch, CertificateStatus
from learning.models.engagement import REFRESHER_INTERVALS, Refresher, StorySubmission
from learning.models.org import UNIT_PATH_SEPARATOR, EmployeeProfile, OrgImport, OrgUnit
from learning.models.reporting import DashboardVersion
from learning.models.rollout import BAND_RANK, Assignment, Band, Campaign, Notice, Wave

__all__ = [
    "BAND_RANK",
    "REFRESHER_INTERVALS",
    "UNIT_PATH_SEPARATOR",
    "Assignment",
    "Band",
    "Campaign",
    "Certificate",
    "CertificateBatch",
    "CertificateStatus",
    "DashboardVersion",
    "EmployeeProfile",
    "Notice",
    "OrgImport",
    "OrgUnit",
    "Refresher",
    "StorySubmission",
    "Wave",
]
