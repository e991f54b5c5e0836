"""Compute tier: ECS Fargate cluster, ECR, the services from config, the ALB and its WAF.

Services are data (`services` in config). A service's `kind` decides what it is given:
  web    the React/Nginx front end: the ALB's default route; the Stripe publishable key.
  api    the Laravel API: routed by host (apiName) and its `paths`; database, cache, JWT and
         Stripe secrets; read/write on the assets bucket's application prefixes.
  worker Laravel without a port (queue:work): the api's secrets and bucket access, no ALB.
Everything else (image, size, counts, routes, writable paths) is the entry's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from .config import FROM_PRIMARY, ServiceSpec, StackConfig
from .iam import RolePlacement, Statement, policy_document, service_trust, workload_role
from .images import IMAGE_LIFECYCLE, guardduty_agent_repository
from .naming import physical_name
from .network import NetworkHandle
from .tagging import named
from .waf import protective_web_acl

if TYPE_CHECKING:
    from .certificates import CertificatesHandle
    from .data import DataHandle
    from .primary import PrimaryStack

# `image: placeholder` in config: a tiny HTTP server answering the service's health path, so a
# first `pulumi up` converges (health checks pass) before CI has pushed a real image to ECR.
PLACEHOLDER = "placeholder"
PLACEHOLDER_IMAGE = "public.ecr.aws/docker/library/busybox:stable"
CPU_TARGET_PERCENT = 60.0
REQUESTS_PER_TARGET = 1000.0
ORIGIN_HEADER = "X-Origin-Verify"
CLOUDFRONT_ORIGIN_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
# Regions opened before August 2022 deliver ALB access logs as these ELB accounts; newer ones
# accept the log-delivery service principal.
ELB_LOG_ACCOUNTS = {"us-east-1": "127311923021", "us-east-2": "033677994240",
                    "us-west-1": "027434742980", "us-west-2": "797873946194",
                    "eu-west-1": "156460612806", "eu-central-1": "054676820928",
                    "sa-east-1": "507241528517"}
ALB_LOG_PREFIX = "alb"
# Application prefixes of the assets bucket (README, "Assets bucket") the Laravel services write.
APP_BUCKET_PREFIXES = ("vehicles/*", "customers/*", "static/*", "backups/application/*")
SECRETS_BY_KIND: dict[str, dict[str, str]] = {  # env var -> SSM parameter path
    "web": {"REACT_APP_STRIPE_KEY": "stripe/public-key"},
    "api": {"DATABASE_URL": "database/url", "DB_PASSWORD": "database/password",
            "JWT_SECRET": "app/jwt-secret", "REDIS_PASSWORD": "cache/auth-token",
            "STRIPE_SECRET": "payments/stripe-secret", "STRIPE_KEY": "stripe/public-key"},
}
SECRETS_BY_KIND["worker"] = SECRETS_BY_KIND["api"]


@dataclass(frozen=True)
class ComputeArgs:
    name_prefix: str
    environment: str
    account_id: str
    config: StackConfig
    network: NetworkHandle
    data: DataHandle
    key_arns: Mapping[str, pulumi.Input[str]]  # by purpose: logs (task logs), storage (images, assets)
    certificates: CertificatesHandle  # the ALB's certificate
    tags: Mapping[str, str]
    roles: RolePlacement
    primary: PrimaryStack | None = None  # a DR stack: images, origin secret from the primary


@dataclass(frozen=True)
class ServiceHandle:
    """One running service as the other tiers see it: what to watch, where its logs go."""

    name: str
    service_name: pulumi.Input[str]
    log_group_name: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str] | None  # None for a worker (no port, no ALB)


@dataclass(frozen=True)
class ComputeHandle:
    """The compute tier as the other tiers see it: the cluster's services, the ALB as an origin,
    the header CloudFront must send, and the statement the logs bucket grants the ALB."""

    cluster_name: pulumi.Output[str]
    services: tuple[ServiceHandle, ...]  # in config order
    alb_dns_name: pulumi.Output[str]
    alb_zone_id: pulumi.Output[str]
    alb_arn_suffix: pulumi.Output[str]
    origin_verify_header: pulumi.Output[str]
    alb_log_delivery: Statement
    repository_urls: Mapping[str, pulumi.Output[str]]


@dataclass(frozen=True)
class RunningService:
    spec: ServiceSpec
    service: aws.ecs.Service
    log_group: aws.cloudwatch.LogGroup
    target_group: aws.lb.TargetGroup | None


class ComputeTier(pulumi.ComponentResource):
    handle: ComputeHandle

    def __init__(self, name: str, args: ComputeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:compute:ComputeTier", name, None, opts)
        self._name, self._args, self._cfg = name, args, args.config
        self._child = pulumi.ResourceOptions(parent=self)

        self._cluster()
        self._repositories()
        self._load_balancer()
        self._services: dict[str, RunningService] = {}
        for spec in self._cfg.services:
            self._services[spec.name] = self._service(spec)
        self.handle = ComputeHandle(
            cluster_name=self._cluster_name,
            services=tuple(ServiceHandle(name, s.service.name, s.log_group.name,
                                         s.target_group.arn_suffix if s.target_group else None)
                           for name, s in self._services.items()),
            alb_dns_name=self._alb_dns_name, alb_zone_id=self._alb_zone_id, alb_arn_suffix=self._alb_arn_suffix,
            origin_verify_header=self._origin_verify_header, alb_log_delivery=self._alb_log_delivery,
            repository_urls=self._repository_urls)

        self.register_outputs({
            "cluster_name": self._cluster_name, "alb_dns_name": self._alb_dns_name,
            "repository_urls": self._repository_urls,
            "service_names": {k: v.service.name for k, v in self._services.items()},
        })

    def _tags(self, name: str, **extra: str) -> dict[str, str]:
        return named(self._args.tags, name, **extra)

    # --- cluster and images -------------------------------------------------------------

    def _cluster(self) -> None:
        cfg, prefix = self._cfg, self._args.name_prefix
        cluster = aws.ecs.Cluster(
            f"{self._name}-cluster", name=prefix,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
            tags=self._tags(prefix), opts=self._child)
        strategies = [aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
            capacity_provider="FARGATE", base=cfg.fargate_base, weight=cfg.fargate_weight)]
        if cfg.fargate_spot_weight:
            strategies.append(aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                capacity_provider="FARGATE_SPOT", weight=cfg.fargate_spot_weight))
        self._capacity = aws.ecs.ClusterCapacityProviders(
            f"{self._name}-capacity-providers", cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=strategies, opts=self._child)
        self._cluster_name, self._cluster_arn = cluster.name, cluster.arn

    def _repositories(self) -> None:
        args = self._args
        self._repository_urls, self._repository_arns = {}, {}
        primary = args.primary
        if primary is not None:
            # A DR stack pulls the primary's images from this region's replicas (ECR replication
            # creates them under the same names; StandbyLinks).
            prefix = primary.value("repositoryPrefix")
            for repo in repositories_of(self._cfg.services):
                self._repository_arns[repo] = pulumi.Output.format(
                    "arn:aws:ecr:{0}:{1}:repository/{2}/{3}", args.config.region, args.account_id, prefix, repo)
                self._repository_urls[repo] = pulumi.Output.format(
                    "{0}.dkr.ecr.{1}.amazonaws.com/{2}/{3}", args.account_id, args.config.region, prefix, repo)
            return
        for repo in repositories_of(self._cfg.services):
            name = f"{args.name_prefix}/{repo}"
            repository = aws.ecr.Repository(
                f"{self._name}-{repo}-repo", name=name, image_tag_mutability="IMMUTABLE",
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
                encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(
                    encryption_type="KMS", kms_key=args.key_arns["storage"])],
                tags=self._tags(name), opts=self._child)
            aws.ecr.LifecyclePolicy(f"{self._name}-{repo}-lifecycle", repository=repository.name,
                                    policy=IMAGE_LIFECYCLE, opts=self._child)
            self._repository_urls[repo] = repository.repository_url
            self._repository_arns[repo] = repository.arn

    # --- load balancer ------------------------------------------------------------------

    def _load_balancer(self) -> None:
        cfg, args, prefix = self._cfg, self._args, self._args.name_prefix
        group = aws.ec2.SecurityGroup(f"{self._name}-alb-sg", vpc_id=args.network.vpc_id,
                                      description="Internet-facing ALB: HTTPS in, to the services out",
                                      tags=self._tags(f"{prefix}-alb"), opts=self._child)
        self._alb_security_group_id = group.id
        if cfg.alb_only_from_cloud_front:
            # CloudFront reaches its origin on 443 only (https-only). One rule: a rule that
            # references the origin-facing prefix list counts as its ~55 entries against the
            # group's 60-rule quota, so a second one (port 80) would not fit.
            prefix_list = aws.ec2.get_managed_prefix_list(
                name=CLOUDFRONT_ORIGIN_PREFIX_LIST, opts=pulumi.InvokeOptions(parent=self)).id
            sources = [dict(prefix_list_id=prefix_list, description="CloudFront origin-facing")]
            ports: tuple[int, ...] = (443,)
        else:
            sources = [dict(cidr_ipv4="0.0.0.0/0", description="anywhere (IPv4)"),
                       dict(cidr_ipv6="::/0", description="anywhere (IPv6)")]
            ports = (80, 443)
        for port in ports:
            for index, source in enumerate(sources):
                aws.vpc.SecurityGroupIngressRule(
                    f"{self._name}-alb-in-{port}-{index}", security_group_id=group.id, ip_protocol="tcp",
                    from_port=port, to_port=port, tags=self._tags(f"{prefix}-alb-in-{port}"),
                    opts=self._child, **source)
        self._alb = aws.lb.LoadBalancer(
            f"{self._name}-alb", name=physical_name("alb", prefix, "alb"), load_balancer_type="application",
            internal=False, subnets=args.network.public_subnet_ids, security_groups=[group.id],
            drop_invalid_header_fields=True, enable_deletion_protection=cfg.alb_deletion_protection,
            desync_mitigation_mode="defensive", idle_timeout=60, enable_http2=True,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                bucket=args.data.logs_bucket.name, prefix=ALB_LOG_PREFIX, enabled=True),
            tags=self._tags(f"{prefix}-alb"), opts=self._child)
        self._alb_dns_name, self._alb_zone_id = self._alb.dns_name, self._alb.zone_id
        self._alb_arn_suffix = self._alb.arn_suffix
        self._alb_log_delivery = self._log_delivery_statement()

        self._http = aws.lb.Listener(
            f"{self._name}-alb-http-listener", load_balancer_arn=self._alb.arn, port=80, protocol="HTTP",
            default_actions=[aws.lb.ListenerDefaultActionArgs(
                type="redirect", redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                    protocol="HTTPS", port="443", status_code="HTTP_301"))],
            tags=self._tags(f"{prefix}-http"), opts=self._child)
        # CloudFront sends this header to its origin; without it a request did not come through
        # CloudFront, and the HTTPS listener's default answer is 403.
        # A DR stack's ALB takes the primary's: the one distribution sends one value to either origin.
        self._origin_verify_header = args.primary.secret("originVerifyHeader") if args.primary else \
            random.RandomPassword(f"{self._name}-origin-verify", length=48, special=False, opts=self._child).result
        self._https = aws.lb.Listener(
            f"{self._name}-alb-https-listener", load_balancer_arn=self._alb.arn, port=443, protocol="HTTPS",
            ssl_policy=cfg.alb_tls_policy, certificate_arn=args.certificates.alb_certificate_arn,
            default_actions=[aws.lb.ListenerDefaultActionArgs(
                type="fixed-response", fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                    content_type="text/plain", message_body="Forbidden", status_code="403"))],
            tags=self._tags(f"{prefix}-https"), opts=self._child)
        aws.wafv2.WebAclAssociation(
            f"{self._name}-alb-waf-association", resource_arn=self._alb.arn,
            web_acl_arn=protective_web_acl(
                f"{self._name}-waf", scope="REGIONAL", acl_name=physical_name("waf-web-acl", prefix, "alb"),
                rate_limit=cfg.waf_rate_limit, managed_groups=cfg.waf_managed_rule_groups,
                log_retention_days=cfg.log_retention_days, log_kms_key_arn=args.key_arns["logs"],
                tags=args.tags, opts=self._child).acl.arn,
            opts=self._child)

    def _log_delivery_statement(self) -> Statement:
        args = self._args
        objects = pulumi.Output.format("arn:aws:s3:::{0}/{1}/AWSLogs/{2}/*", args.data.logs_bucket.name,
                                       ALB_LOG_PREFIX, args.account_id)
        account = ELB_LOG_ACCOUNTS.get(args.config.region)
        principals = ({"AWS": [f"arn:aws:iam::{account}:root"]} if account
                      else {"Service": ["logdelivery.elasticloadbalancing.amazonaws.com"]})
        return Statement(sid="AlbAccessLogDelivery", actions=["s3:PutObject"], resources=[objects],
                         principals=principals)

    def _routing(self, spec: ServiceSpec, target_group: aws.lb.TargetGroup,
                 priority: int) -> list[aws.lb.ListenerRule]:
        """Rules on the HTTPS listener: the web service is the catch-all, an api service takes
        the API host and its paths. Every rule also requires CloudFront's origin header when the
        ALB admits only CloudFront."""
        header = ([aws.lb.ListenerRuleConditionArgs(http_header=aws.lb.ListenerRuleConditionHttpHeaderArgs(
            http_header_name=ORIGIN_HEADER, values=[self._origin_verify_header]))]
            if self._cfg.alb_only_from_cloud_front else [])
        forward = [aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=target_group.arn)]
        if spec.kind == "web":
            matchers = [[aws.lb.ListenerRuleConditionArgs(
                path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=["/*"]))]]
            base = 1000  # evaluated after every api rule
        else:
            matchers = [[aws.lb.ListenerRuleConditionArgs(
                host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=[self._cfg.api_name]))],
                [aws.lb.ListenerRuleConditionArgs(
                    path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=spec.paths))]]
            base = 10
        return [
            aws.lb.ListenerRule(
                f"{self._name}-{spec.name}-rule-{index}", listener_arn=self._https.arn,
                priority=base + priority * 10 + index, actions=forward, conditions=conditions + header,
                tags=self._tags(f"{self._args.name_prefix}-{spec.name}-{index}"), opts=self._child)
            for index, conditions in enumerate(matchers)]

    # --- services -------------------------------------------------------------------------

    def _execution_role(self, spec: ServiceSpec, log_group: aws.cloudwatch.LogGroup,
                        parameters: list[pulumi.Input[str]]) -> aws.iam.Role:
        args = self._args
        role = workload_role(f"{self._name}-{spec.name}-execution-role", args.roles,
                            assume_role_policy=service_trust("ecs-tasks.amazonaws.com", args.account_id),
                            description=f"ECS pulls the {spec.name} image, writes its logs, reads its secrets",
                            tags=self._tags(f"{args.name_prefix}-{spec.name}-execution"), opts=self._child)
        statements = [
            # GetAuthorizationToken has no resource-level permissions; it grants no image access.
            Statement(sid="EcrLogin", actions=["ecr:GetAuthorizationToken"]),
            Statement(sid="PullOwnImage", actions=["ecr:BatchCheckLayerAvailability",
                                                   "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                      resources=[self._repository_arns[spec.repository_name]]),
            Statement(sid="DecryptOwnImage", actions=["kms:Decrypt"], resources=[args.key_arns["storage"]]),
            *([Statement(sid="PullGuardDutyAgent", actions=["ecr:BatchCheckLayerAvailability",
                                                            "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                         resources=[agent])] if (agent := guardduty_agent_repository(args.config.region)) else []),
            Statement(sid="WriteOwnLogs", actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                      resources=[log_group.arn.apply(lambda arn: f"{arn}:log-stream:*")]),
        ]
        if parameters:
            statements += [
                Statement(sid="ReadOwnSecrets", actions=["ssm:GetParameters"], resources=parameters),
                Statement(sid="DecryptOwnSecrets", actions=["kms:Decrypt"], resources=[args.data.parameter_key_arn],
                          conditions={"StringEquals": {"kms:ViaService": f"ssm.{args.config.region}.amazonaws.com"}}),
            ]
        aws.iam.RolePolicy(f"{self._name}-{spec.name}-execution-policy", role=role.id,
                           policy=policy_document(*statements), opts=self._child)
        return role

    def _task_role(self, spec: ServiceSpec) -> aws.iam.Role | None:
        if spec.kind == "web":
            return None  # the static front end calls no AWS API
        args = self._args
        role = workload_role(f"{self._name}-{spec.name}-task-role", args.roles,
                            assume_role_policy=service_trust("ecs-tasks.amazonaws.com", args.account_id),
                            description=f"What the {spec.name} application may do in AWS",
                            tags=self._tags(f"{args.name_prefix}-{spec.name}-task"), opts=self._child)
        bucket = pulumi.Output.from_input(args.data.assets.arn)
        aws.iam.RolePolicy(f"{self._name}-{spec.name}-task-policy", role=role.id, policy=policy_document(
            Statement(sid="AssetsObjects", actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                      resources=[pulumi.Output.format("{0}/{1}", bucket, p) for p in APP_BUCKET_PREFIXES]),
            Statement(sid="AssetsListing", actions=["s3:ListBucket"], resources=[bucket],
                      conditions={"StringLike": {"s3:prefix": [p for p in APP_BUCKET_PREFIXES]}}),
            Statement(sid="AssetsKey", actions=["kms:Decrypt", "kms:GenerateDataKey"],
                      resources=[args.key_arns["storage"]])), opts=self._child)
        return role

    def _environment(self, spec: ServiceSpec) -> dict[str, pulumi.Input[str]]:
        cfg, args = self._cfg, self._args
        site = f"https://{cfg.site_names[0]}"
        if spec.kind == "web":
            return {"REACT_APP_API_URL": f"{site}/api", "REACT_APP_ENVIRONMENT": args.environment}
        return {
            "APP_ENV": args.environment, "APP_URL": site, "LOG_CHANNEL": "stderr",
            "DB_CONNECTION": "mysql", "DB_HOST": args.data.database.address, "DB_PORT": str(args.data.database.port),
            "DB_DATABASE": args.data.database.name, "DB_USERNAME": args.data.database.username,
            "MYSQL_ATTR_SSL_CA": "/etc/ssl/certs/rds-global-bundle.pem",
            "REDIS_HOST": args.data.cache.address, "REDIS_PORT": str(args.data.cache.port), "REDIS_SCHEME": "tls",
            "CACHE_DRIVER": "redis", "SESSION_DRIVER": "redis", "QUEUE_CONNECTION": "redis",
            "FILESYSTEM_DISK": "s3", "AWS_BUCKET": args.data.assets.name, "AWS_DEFAULT_REGION": args.config.region,
        }

    def _container(self, spec: ServiceSpec, log_group: aws.cloudwatch.LogGroup) -> pulumi.Output[str]:
        if spec.image != FROM_PRIMARY or self._args.primary is None:
            return self._container_of(spec, log_group, spec.image)
        primary, region, account = self._args.primary, self._args.config.region, self._args.account_id

        def local(images: Mapping[str, str]) -> str:
            image = images.get(spec.name)
            if image is None:
                raise pulumi.RunError(f"services: {spec.name!r} runs {FROM_PRIMARY!r} images, but stack "
                                      f"{primary.name!r} has no service of that name")
            return replica_image(image, account, primary.region, region)
        return primary.value("serviceImages").apply(local).apply(
            lambda image: self._container_of(spec, log_group, image))

    def _container_of(self, spec: ServiceSpec, log_group: aws.cloudwatch.LogGroup, image: str) -> pulumi.Output[str]:
        args = self._args
        secrets = [{"name": env, "valueFrom": args.data.parameter_arns[path]}
                   for env, path in SECRETS_BY_KIND[spec.kind].items()]
        command: Any = spec.command
        if image == PLACEHOLDER:
            image, command = PLACEHOLDER_IMAGE, _placeholder_command(spec)
        health = (f"wget -q -O /dev/null http://localhost:{spec.port}{spec.health_check_path} || exit 1"
                  if spec.port else "kill -0 1 || exit 1")
        container = {
            "name": spec.name, "image": image, "essential": True,
            "readonlyRootFilesystem": True,
            # Docker's defaults minus what no web or queue process needs (raw sockets, device
            # nodes, chroot, audit writes, file capabilities); Fargate can add none back but
            # SYS_PTRACE. An init process reaps zombies and forwards SIGTERM on scale-in.
            "linuxParameters": {"capabilities": {"add": [], "drop": list(DROPPED_CAPABILITIES)},
                                "initProcessEnabled": True},
            "environment": [{"name": k, "value": v} for k, v in sorted(self._environment(spec).items())],
            "secrets": secrets,
            "mountPoints": [{"sourceVolume": _volume_name(p), "containerPath": p, "readOnly": False}
                            for p in spec.writable_paths],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": log_group.name, "awslogs-region": args.config.region,
                "awslogs-stream-prefix": "ecs"}},
            "healthCheck": {"command": ["CMD-SHELL", health], "interval": 30, "timeout": 5,
                            "retries": 3, "startPeriod": 60},
        }
        if spec.port:
            container["portMappings"] = [{"containerPort": spec.port, "protocol": "tcp"}]
        if command:
            container["command"] = command
        return pulumi.Output.json_dumps([container])

    def _service(self, spec: ServiceSpec) -> RunningService:
        cfg, args, prefix = self._cfg, self._args, self._args.name_prefix
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-{spec.name}-logs", name=f"/ecs/{prefix}/{spec.name}",
            retention_in_days=cfg.log_retention_days, kms_key_id=args.key_arns["logs"],
            tags=self._tags(f"/ecs/{prefix}/{spec.name}"), opts=self._child)
        parameters = [args.data.parameter_arns[path] for path in SECRETS_BY_KIND[spec.kind].values()]
        execution_role = self._execution_role(spec, log_group, parameters)
        task_role = self._task_role(spec)
        task = aws.ecs.TaskDefinition(
            f"{self._name}-{spec.name}-task", family=f"{prefix}-{spec.name}",
            requires_compatibilities=["FARGATE"], network_mode="awsvpc",
            cpu=str(spec.cpu), memory=str(spec.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=cfg.cpu_architecture),
            execution_role_arn=execution_role.arn, task_role_arn=task_role.arn if task_role else None,
            container_definitions=self._container(spec, log_group),
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=_volume_name(p)) for p in spec.writable_paths],
            tags=self._tags(f"{prefix}-{spec.name}"), opts=self._child)

        target_group = None
        depends_on: list[pulumi.Resource] = [self._capacity]
        if spec.public:
            target_group = aws.lb.TargetGroup(
                f"{self._name}-{spec.name}-tg", port=spec.port, protocol="HTTP", target_type="ip",
                vpc_id=args.network.vpc_id, deregistration_delay=30,
                health_check=aws.lb.TargetGroupHealthCheckArgs(
                    enabled=True, path=spec.health_check_path, matcher="200-399", interval=30, timeout=5,
                    healthy_threshold=3, unhealthy_threshold=3),
                tags=self._tags(f"{prefix}-{spec.name}"), opts=self._child)
            # ECS refuses a target group that no listener rule attaches to the load balancer yet.
            depends_on += self._routing(spec, target_group, len(self._services))
            self._admit_from_alb(spec)

        service = aws.ecs.Service(
            f"{self._name}-{spec.name}-service", name=spec.name, cluster=self._cluster_arn,
            task_definition=task.arn, desired_count=spec.desired_count,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args.network.private_subnet_ids, security_groups=[args.network.app_security_group_id],
                assign_public_ip=False),
            load_balancers=[aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=target_group.arn, container_name=spec.name, container_port=spec.port)]
            if target_group and spec.port else [],
            health_check_grace_period_seconds=60 if target_group else None,
            # A service with its own split (a Spot share for the queue worker) overrides the
            # cluster's default strategy.
            capacity_provider_strategies=_capacity(spec),
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            deployment_minimum_healthy_percent=100, deployment_maximum_percent=200,
            availability_zone_rebalancing="ENABLED", propagate_tags="SERVICE", enable_ecs_managed_tags=True,
            wait_for_steady_state=False, tags=self._tags(f"{prefix}-{spec.name}"),
            # Autoscaling owns the running count after creation.
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on, ignore_changes=["desiredCount"]))
        self._autoscaling(spec, service, target_group)
        return RunningService(spec=spec, service=service, log_group=log_group, target_group=target_group)

    def _admit_from_alb(self, spec: ServiceSpec) -> None:
        prefix = self._args.name_prefix
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-{spec.name}-from-alb", security_group_id=self._args.network.app_security_group_id,
            referenced_security_group_id=self._alb_security_group_id, ip_protocol="tcp",
            from_port=spec.port, to_port=spec.port, description=f"{spec.name} from the ALB",
            tags=self._tags(f"{prefix}-{spec.name}-from-alb"), opts=self._child)
        aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-alb-to-{spec.name}", security_group_id=self._alb_security_group_id,
            referenced_security_group_id=self._args.network.app_security_group_id, ip_protocol="tcp",
            from_port=spec.port, to_port=spec.port, description=f"ALB to {spec.name}",
            tags=self._tags(f"{prefix}-alb-to-{spec.name}"), opts=self._child)

    def _autoscaling(self, spec: ServiceSpec, service: aws.ecs.Service,
                     target_group: aws.lb.TargetGroup | None) -> None:
        target = aws.appautoscaling.Target(
            f"{self._name}-{spec.name}-scaling-target", service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.format("service/{0}/{1}", self._cluster_name, service.name),
            min_capacity=spec.min_count, max_capacity=spec.max_count,
            tags=self._tags(f"{self._args.name_prefix}-{spec.name}"), opts=self._child)
        metrics: list[tuple[str, float, pulumi.Input[str] | None]] = [
            ("cpu", CPU_TARGET_PERCENT, None)]
        if target_group is not None and spec.kind == "web":
            metrics.append(("requests", REQUESTS_PER_TARGET, pulumi.Output.format(
                "{0}/{1}", self._alb.arn_suffix, target_group.arn_suffix)))
        for label, value, resource_label in metrics:
            aws.appautoscaling.Policy(
                f"{self._name}-{spec.name}-scale-on-{label}", policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace, scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration=(
                    aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                        target_value=value, scale_in_cooldown=300, scale_out_cooldown=60,
                        predefined_metric_specification=(
                            aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                                predefined_metric_type=("ECSServiceAverageCPUUtilization" if label == "cpu"
                                                        else "ALBRequestCountPerTarget"),
                                resource_label=resource_label)))),
                opts=self._child)


def _capacity(spec: ServiceSpec) -> list[aws.ecs.ServiceCapacityProviderStrategyArgs] | None:
    if spec.capacity is None:
        return None
    return [aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE", base=spec.capacity.on_demand_base,
                                                        weight=spec.capacity.on_demand_weight),
            aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE_SPOT",
                                                        weight=spec.capacity.spot_weight)]


DROPPED_CAPABILITIES = ("NET_RAW", "MKNOD", "SYS_CHROOT", "AUDIT_WRITE", "SETFCAP")


def _volume_name(path: str) -> str:
    return "scratch" + path.replace("/", "-")


def _placeholder_command(spec: ServiceSpec) -> list[str]:
    if spec.port is None:
        return ["sh", "-c", "while true; do sleep 3600; done"]
    directory = "/tmp/www" + spec.health_check_path.rsplit("/", 1)[0]  # noqa: S108 - a scratch volume
    return ["sh", "-c", f"mkdir -p {directory} && echo ok > /tmp/www{spec.health_check_path} && "
                        f"exec httpd -f -p {spec.port} -h /tmp/www"]


def replica_image(image: str, account: str, source_region: str, region: str) -> str:
    """The same repository and tag from `region`'s replica of the account's registry; an image
    from anywhere else (a public registry, the placeholder) as it is."""
    source = f"{account}.dkr.ecr.{source_region}.amazonaws.com/"
    return f"{account}.dkr.ecr.{region}.amazonaws.com/{image[len(source):]}" if image.startswith(source) else image


def repositories_of(services: Sequence[ServiceSpec]) -> list[str]:
    return list(dict.fromkeys(s.repository_name for s in services))
