"""Container images: what a repository keeps. The primary's repositories (compute) and the
repositories a DR region's replication creates (standby's creation template) keep the same."""

from __future__ import annotations

import json

IMAGE_LIFECYCLE = json.dumps({"rules": [
    {"rulePriority": 1, "description": "Drop untagged layers after a week",
     "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7},
     "action": {"type": "expire"}},
    {"rulePriority": 2, "description": "Keep the 50 most recent images",
     "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 50},
     "action": {"type": "expire"}}]})

# GuardDuty Runtime Monitoring (the account baseline) adds its agent as a sidecar to every Fargate
# task; the task's execution role pulls it from GuardDuty's repository in the task's region. From
# https://docs.aws.amazon.com/guardduty/latest/ug/ecs-runtime-agent-ecr-image-uri.html (2026-12).
GUARDDUTY_AGENT_REGISTRIES = {
    "us-east-1": "593207742271", "us-east-2": "307168627858", "us-west-1": "684579721401",
    "us-west-2": "733349766148", "ca-central-1": "354763396469", "sa-east-1": "758426053663",
    "eu-west-1": "694911143906", "eu-west-2": "892757235363", "eu-west-3": "665651866788",
    "eu-central-1": "323658145986", "eu-north-1": "591436053604", "ap-south-1": "251508486986",
    "ap-southeast-1": "174946120834", "ap-southeast-2": "005257825471",
}


def guardduty_agent_repository(region: str) -> str | None:
    """The ARN of GuardDuty's Fargate agent repository in `region` (None where not listed)."""
    account = GUARDDUTY_AGENT_REGISTRIES.get(region)
    return f"arn:aws:ecr:{region}:{account}:repository/aws-guardduty-agent-fargate" if account else None
