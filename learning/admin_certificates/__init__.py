"""HR's certificate screens in the Wagtail admin: the filtered list, one certificate with its
history, revoke and reissue, and bulk downloads (a ZIP built in the background).

Certificates are issued by completing a course, never typed in: there is no add, edit or delete.
"""

from learning.admin_certificates.common import NAMESPACE, REISSUE_ACTION, REVOKE_ACTION
from learning.admin_certificates.viewset import CertificateViewSet

__all__ = ["NAMESPACE", "REISSUE_ACTION", "REVOKE_ACTION", "CertificateViewSet"]
