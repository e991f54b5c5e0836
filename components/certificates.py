"""DNS zone and ACM certificates, built before the compute tier.

The ALB needs its certificate before it can listen on 443, and CloudFront needs the ALB as an
origin, so the certificates cannot live in the edge tier. Two certificates, DNS-validated
through Route 53:
  * the ALB's, in the stack's region: the API name plus the site names (CloudFront forwards the
    viewer's Host to the web origin and checks the origin certificate against it);
  * CloudFront's, always in us-east-1 (the only region CloudFront reads), for the site names.
A domain on both certificates gets one validation record: ACM derives the record from the
account and the domain, so both certificates share it. For the same reason a DR stack
(`edge=False`: no CloudFront) writes no validation records: its ALB certificate, in its own
region, is validated by the records the primary stack owns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from .tagging import named

if TYPE_CHECKING:
    from .config import StackConfig


@dataclass(frozen=True)
class CertificatesArgs:
    config: StackConfig  # domainName, createHostedZone, siteNames, apiName
    tags: Mapping[str, str]
    us_east_1: aws.Provider
    edge: bool = True  # CloudFront's certificate and the validation records live in this stack


@dataclass(frozen=True)
class CertificatesHandle:
    """The public zone and the validated certificates, as the compute and edge tiers use them."""

    zone_id: pulumi.Output[str]
    alb_certificate_arn: pulumi.Output[str]
    cloudfront_certificate_arn: pulumi.Output[str] | None  # None in a DR stack (no CloudFront)


class Certificates(pulumi.ComponentResource):
    handle: CertificatesHandle

    def __init__(self, name: str, args: CertificatesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:edge:Certificates", name, None, opts)
        self._name, self._args = name, args
        if args.config.create_hosted_zone:
            zone = aws.route53.Zone(f"{name}-zone", name=args.config.domain_name,
                                    comment="Elite Locadora public zone",
                                    tags=named(args.tags, args.config.domain_name),
                                    opts=pulumi.ResourceOptions(parent=self, protect=True))
            self._zone_id = zone.zone_id
        else:
            found = aws.route53.get_zone(name=args.config.domain_name, private_zone=False,
                                         opts=pulumi.InvokeOptions(parent=self))
            self._zone_id = pulumi.Output.from_input(found.zone_id)
        self._records: dict[str, aws.route53.Record] = {}
        alb_names = list(dict.fromkeys([args.config.api_name, *args.config.site_names]))
        self._alb_certificate_arn = self._validated("alb", alb_names, pulumi.ResourceOptions(parent=self))
        cloudfront_certificate_arn = self._validated(
            "cloudfront", list(dict.fromkeys(args.config.site_names)),
            pulumi.ResourceOptions(parent=self, provider=args.us_east_1)) if args.edge else None
        self.handle = CertificatesHandle(self._zone_id, self._alb_certificate_arn, cloudfront_certificate_arn)
        self.register_outputs({"alb_certificate_arn": self._alb_certificate_arn})

    def _validated(self, label: str, names: list[str], opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        certificate = aws.acm.Certificate(
            f"{self._name}-{label}", domain_name=names[0], subject_alternative_names=names[1:],
            validation_method="DNS", key_algorithm="RSA_2048",
            options=aws.acm.CertificateOptionsArgs(certificate_transparency_logging_preference="ENABLED"),
            tags=named(self._args.tags, f"{label}-{names[0]}"),
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
                # A replacement must exist before the listener or distribution lets go of the old one.
                delete_before_replace=False)))
        for domain in names if self._args.edge else ():
            if domain not in self._records:
                option = certificate.domain_validation_options.apply(partial(_option_for, domain))
                self._records[domain] = aws.route53.Record(
                    f"{self._name}-validation-{domain}", zone_id=self._zone_id,
                    name=option.resource_record_name, type=option.resource_record_type,
                    records=[option.resource_record_value], ttl=300,
                    opts=pulumi.ResourceOptions(parent=self))
        validation = aws.acm.CertificateValidation(
            f"{self._name}-{label}-validation", certificate_arn=certificate.arn,
            validation_record_fqdns=[self._records[d].fqdn for d in names] if self._args.edge else None, opts=opts)
        return validation.certificate_arn


def _option_for(domain: str, options: Sequence[aws.acm.outputs.CertificateDomainValidationOption],
                ) -> aws.acm.outputs.CertificateDomainValidationOption:
    return next(o for o in options if o.domain_name == domain)
