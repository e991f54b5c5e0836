"""Create-time constraints: CloudFront distributions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .base import (
    Finding,
    constraint,
)

CLOUDFRONT_PROTOCOLS = {"SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019",
                        "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"}


@constraint("cloudfront-viewer-certificate", ["aws:cloudfront/distribution:Distribution"],
            rule="an ACM certificate needs an SSL support method and a known minimum protocol version",
            fix="set ssl_support_method='sni-only' and a listed minimum_protocol_version",
            reference="https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html")
def _viewer_certificate(props: Mapping[str, Any]) -> Iterable[Finding]:
    certificate = props.get("viewerCertificate") or {}
    if certificate.get("acmCertificateArn") is not None and certificate.get("sslSupportMethod") is None:
        yield "viewerCertificate.sslSupportMethod", None, "missing with an ACM certificate"
    version = certificate.get("minimumProtocolVersion")
    if isinstance(version, str) and version not in CLOUDFRONT_PROTOCOLS:
        yield "viewerCertificate.minimumProtocolVersion", version, "not a CloudFront security policy"
