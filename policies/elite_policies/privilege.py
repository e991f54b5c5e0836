"""Guardrails on privilege: IAM policies that grant too much, administrator policies on workload
roles, and resource policies (keys, topics, repositories) open to everyone."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from . import _types as t
from ._framework import Setting, as_list, document, get, known, resource_rule, statements
from .guardrails import CALLER_KEYS, public_statements

# Actions AWS authorizes only on Resource "*": their rows in the Service Authorization Reference
# (docs.aws.amazon.com/service-authorization/latest/reference/) name no resource type. Granting
# them on "*" is not a wildcard grant. ec2:CreateNetworkInterface, CreateNetworkInterfacePermission,
# DeleteNetworkInterface (network-interface, subnet, security-group) and DescribeVpcAttribute (vpc)
# do name resource types, so they are not here. Extend per stack in policy config, with the reason.
UNSCOPED_ACTIONS = [
    "ecr:GetAuthorizationToken", "logs:DescribeLogGroups", "ec2:DescribeVpcs", "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces", "cloudwatch:PutMetricData",
    "xray:PutTraceSegments", "xray:PutTelemetryRecords", "sts:GetCallerIdentity",
]
PRIVILEGED = [
    "arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/IAMFullAccess", "arn:aws:iam::aws:policy/job-function/SystemAdministrator",
    "arn:aws:iam::aws:policy/AWSOrganizationsFullAccess",
    # A shell in the console with the caller's credentials and file transfer (CIS 1.22).
    "arn:aws:iam::aws:policy/AWSCloudShellFullAccess",
]
DECRYPT_ACTIONS = ("kms:Decrypt", "kms:ReEncryptFrom")


def _allows(statement: Mapping[str, Any]) -> bool:
    return get(statement, "Effect") == "Allow"


def _actions(statement: Mapping[str, Any]) -> list[str]:
    return [str(a) for a in as_list(get(statement, "Action"))]


def _resources(statement: Mapping[str, Any]) -> list[str]:
    return [str(r) for r in as_list(get(statement, "Resource"))]


def _sid(statement: Mapping[str, Any]) -> str:
    return str(get(statement, "Sid", default="?"))


def _grants(statement: Mapping[str, Any], action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _actions(statement))


@resource_rule("iam-no-wildcard-actions-or-resources", family="guardrails", types=t.IAM_POLICIES,
               refs=("pci-dss-4.0.1:7.2.5",),
               control="IAM.21", severity=Severity.HIGH,
               description="Checks whether an IAM policy allows a service-wide action wildcard (s3:*) or any action "
                           "on Resource '*' other than those AWS authorizes only on '*'.",
               message="Name the actions and the resource ARNs; only actions listed in unscopedActions may take "
                       "Resource '*'",
               settings={"unscopedActions": Setting(UNSCOPED_ACTIONS, {"type": "array", "items": {"type": "string"}},
                                                    "actions AWS authorizes only on Resource '*'")})
def iam_wildcards(props: Mapping[str, Any], config: Mapping[str, Any]):
    allowed = {a.lower() for a in config["unscopedActions"]}
    for statement in statements(document(get(props, "policy"))):
        if not _allows(statement):
            continue
        wild = [a for a in _actions(statement) if a == "*" or a.endswith(":*")]
        if wild:
            yield f"statement {_sid(statement)} allows {', '.join(wild)}"
        if get(statement, "NotAction") is not None or get(statement, "NotResource") is not None:
            yield f"statement {_sid(statement)} allows by exclusion (NotAction/NotResource)"
        if "*" in _resources(statement):
            broad = [a for a in _actions(statement) if a.lower() not in allowed and a not in wild]
            if broad:
                yield f"statement {_sid(statement)} allows {', '.join(broad)} on '*'"


@resource_rule("iam-no-passrole-on-star", family="guardrails", types=t.IAM_POLICIES, severity=Severity.CRITICAL,
               description="Checks whether an IAM policy lets its holder pass any role (iam:PassRole on '*').",
               message="Allow iam:PassRole only on the roles the holder hands to a service, with iam:PassedToService")
def iam_passrole(props: Mapping[str, Any], config: Mapping[str, Any]):
    for statement in statements(document(get(props, "policy"))):
        if _allows(statement) and _grants(statement, "iam:PassRole") and "*" in _resources(statement):
            yield f"statement {_sid(statement)} passes any role"


@resource_rule("iam-no-privileged-managed-policy", family="guardrails", refs=("cis-aws-3.0:1.22",),
               types=["aws:iam/rolePolicyAttachment:RolePolicyAttachment", t.IAM_ROLE],
               severity=Severity.CRITICAL,
               description="Checks whether a role carries an AWS-managed administrator, power-user or IAM-full "
                           "policy.",
               message="Give the role its own least-privilege policy; pipeline roles that need a broad policy are "
                       "listed in `exemptRoles` with the reason",
               settings={"privilegedPolicies": Setting(PRIVILEGED, {"type": "array", "items": {"type": "string"}},
                                                       "managed policy ARNs no workload role may carry"),
                         "exemptRoles": Setting({}, {"type": "object", "additionalProperties": {"type": "string"}},
                                                "role name -> why it may carry one")})
def iam_privileged(props: Mapping[str, Any], config: Mapping[str, Any]):
    # The role's name may be unknown until `up` (auto-named roles): judge the policy anyway; only
    # a known, exempted name lets a privileged policy pass.
    role = known(props, "role") or known(props, "name")
    if role in config["exemptRoles"]:
        return
    arns = [get(props, "policyArn"), *as_list(get(props, "managedPolicyArns"))]
    for arn in arns:
        if arn in config["privilegedPolicies"]:
            yield f"{role or 'role'} carries {arn}"


def _decrypts_every_key(statement: Mapping[str, Any]) -> bool:
    if not _allows(statement) or not any(_grants(statement, a) for a in DECRYPT_ACTIONS):
        return False
    everywhere = any(r == "*" or r.endswith(":key/*") for r in _resources(statement))
    # A kms:ViaService or encryption-context condition limits the grant to one service's use.
    scoped = any(str(k).lower().startswith(("kms:viaservice", "kms:encryptioncontext"))
                 for keys in (get(statement, "Condition", default={}) or {}).values() if isinstance(keys, Mapping)
                 for k in keys)
    return everywhere and not scoped


def _kms_decrypt_rule(name: str, control: str, types: list[str], kind: str) -> Any:
    @resource_rule(name, family="guardrails", types=types, control=control, severity=Severity.MEDIUM,
                   description=f"Checks whether {kind} allow kms:Decrypt or kms:ReEncryptFrom on every KMS key "
                               "without a kms:ViaService or encryption-context condition.",
                   message="Name the key ARNs, or condition the grant on kms:ViaService; permissions boundaries are "
                           "listed in `boundaryPolicies`",
                   settings={"boundaryPolicies": Setting(["elite-locadora-workload-boundary"],
                                                         {"type": "array", "items": {"type": "string"}},
                                                         "names of permissions-boundary policies (they cap, not "
                                                         "grant)")})
    def check(props: Mapping[str, Any], config: Mapping[str, Any]):
        if get(props, "name") in config["boundaryPolicies"]:
            return
        for statement in statements(document(get(props, "policy"))):
            if _decrypts_every_key(statement):
                yield f"statement {_sid(statement)} decrypts with every key"
    return check


kms_decrypt_managed = _kms_decrypt_rule("iam-managed-policy-no-kms-decrypt-all", "KMS.1", ["aws:iam/policy:Policy"],
                                        "customer-managed IAM policies")
kms_decrypt_inline = _kms_decrypt_rule("iam-inline-policy-no-kms-decrypt-all", "KMS.2",
                                       [p for p in t.IAM_POLICIES if p != "aws:iam/policy:Policy"],
                                       "inline IAM policies")


def _not_public_rule(name: str, control: str | None, types: list[str], prop: str, what: str) -> Any:
    @resource_rule(name, family="guardrails", types=types, control=control, severity=Severity.CRITICAL,
                   description=f"Checks whether {what} allows everyone ('*' or AWS '*') without a condition pinning "
                               "the caller's account, organization or source.",
                   message="Name the principals, or pin '*' with aws:SourceAccount, aws:SourceArn, "
                           "aws:PrincipalOrgID or aws:PrincipalAccount")
    def check(props: Mapping[str, Any], config: Mapping[str, Any]):
        return public_statements(get(props, prop, default=get(props, "repositoryPolicy")))
    return check


kms_not_public = _not_public_rule("kms-key-policy-not-public", "KMS.5", [t.KMS_KEY], "policy", "a KMS key policy")
sns_not_public = _not_public_rule("sns-topic-policy-not-public", "SNS.4",
                                  ["aws:sns/topicPolicy:TopicPolicy", t.SNS_TOPIC], "policy", "an SNS topic policy")
ecr_not_public = _not_public_rule("ecr-repository-policy-not-public", None,
                                  ["aws:ecr/repositoryPolicy:RepositoryPolicy", t.ECR_TEMPLATE], "policy",
                                  "an ECR repository policy (or a repository creation template's)")

# Conditions that pin an AWS service's use to this account (the confused-deputy guard).
SERVICE_PIN_KEYS = {*CALLER_KEYS, "kms:encryptioncontext:aws:logs:arn", "kms:callersaccount"}


@resource_rule("service-principal-statements-pinned", family="guardrails",
               types=[t.KMS_KEY, t.SNS_TOPIC, "aws:sns/topicPolicy:TopicPolicy", t.BUCKET_POLICY],
               severity=Severity.HIGH,
               description="Checks whether key, topic and bucket policy statements that allow an AWS service are "
                           "conditioned on this account (aws:SourceAccount, aws:SourceArn or an account-scoped "
                           "encryption context).",
               message="Add aws:SourceAccount (or aws:SourceArn) to the statement so no other account's use of the "
                       "service reaches this resource")
def service_pinned(props: Mapping[str, Any], config: Mapping[str, Any]):
    for statement in statements(document(get(props, "policy"))):
        principal = get(statement, "Principal")
        if not _allows(statement) or not isinstance(principal, Mapping) or not principal.get("Service"):
            continue
        condition = get(statement, "Condition", default={}) or {}
        keys = {str(k).lower() for op in condition.values() if isinstance(op, Mapping) for k in op}
        if not keys & SERVICE_PIN_KEYS:
            yield f"statement {_sid(statement)} lets {principal.get('Service')} act for any account"


# Actions that let their holder grant itself (or a principal it controls) more than it has: writing
# an identity's policies, new versions of a managed policy, credentials for another user. The
# policy-writing ones are safe only while every role they touch must wear a permissions boundary
# (the condition key iam:PermissionsBoundary, how bootstrap's deploy roles hold them).
BOUNDED_ESCALATION = ["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary",
                      "iam:CreateRole", "iam:PutUserPolicy", "iam:AttachUserPolicy",
                      "iam:PutUserPermissionsBoundary", "iam:CreateUser"]
ESCALATION = ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:PutGroupPolicy",
              "iam:AttachGroupPolicy", "iam:AddUserToGroup", "iam:CreateAccessKey", "iam:CreateLoginProfile",
              "iam:UpdateLoginProfile", "iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"]


def _condition_names(statement: Mapping[str, Any]) -> set[str]:
    return {str(k).lower() for keys in (get(statement, "Condition", default={}) or {}).values()
            if isinstance(keys, Mapping) for k in keys}


@resource_rule("iam-no-privilege-escalation", family="guardrails", types=t.IAM_POLICIES, severity=Severity.CRITICAL,
               refs=("pci-dss-4.0.1:7.2.5", "checkov:CKV_AWS_286", "checkov:CKV_AWS_287"),
               description="Checks whether an IAM policy lets its holder raise its own privileges: write an "
                           "identity's policies or create roles and users without the iam:PermissionsBoundary "
                           "condition, or at all create policy versions, change group membership or policies, mint "
                           "another user's keys or console password, or remove a permissions boundary.",
               message="Condition policy-writing actions on iam:PermissionsBoundary (the workload boundary) and "
                       "drop the others; a role that must hold one is listed in `exemptRoles` with the reason",
               settings={"exemptRoles": Setting({}, {"type": "object", "additionalProperties": {"type": "string"}},
                                                "role name -> why it may hold an escalation action")})
def iam_escalation(props: Mapping[str, Any], config: Mapping[str, Any]):
    if known(props, "role") in config["exemptRoles"]:
        return
    for statement in statements(document(get(props, "policy"))):
        if not _allows(statement):
            continue
        bounded = "iam:permissionsboundary" in _condition_names(statement)
        held = [a for a in ESCALATION if _grants(statement, a)]
        held += [a for a in BOUNDED_ESCALATION if not bounded and _grants(statement, a)]
        if held:
            yield f"statement {_sid(statement)} allows {', '.join(held)}"


def _arn_breadth(arn: str) -> str | None:
    """What an ARN with a wildcard where a name belongs reaches, or None."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    service, account, resource = parts[2], parts[4], parts[5]
    if service == "s3":
        return "every bucket" if resource.startswith("*") else None
    if account == "*":
        return f"{service} resources of any account"
    kind, _, name = resource.partition("/")
    if service in ("iam", "sts") and name.startswith("*"):
        return f"every {kind} of the account"
    return None


@resource_rule("iam-resource-arns-scoped", family="guardrails", types=t.IAM_POLICIES, severity=Severity.HIGH,
               refs=("pci-dss-4.0.1:7.2.5",),
               description="Checks whether the resource ARNs an IAM policy allows name this account and a name, "
                           "not a wildcard in their place: no account '*' (a role assumed or a key used in any "
                           "account), no bucket '*' (every bucket), no iam role/* or user/* (every identity).",
               message="Name this account's id and the resource (or a path of the platform's, "
                       "role/elite-locadora/<environment>/*) in each ARN")
def iam_arns(props: Mapping[str, Any], config: Mapping[str, Any]):
    for statement in statements(document(get(props, "policy"))):
        if not _allows(statement):
            continue
        for arn in _resources(statement):
            reach = _arn_breadth(arn)
            if reach:
                yield f"statement {_sid(statement)} reaches {reach} ({arn})"


POLICIES = [iam_wildcards, iam_passrole, iam_privileged, kms_decrypt_managed, kms_decrypt_inline, kms_not_public,
            sns_not_public, ecr_not_public, service_pinned, iam_escalation, iam_arns]
