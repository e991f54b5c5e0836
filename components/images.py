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
