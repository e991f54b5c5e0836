"""Offline preview and policy check of the Elite Locadora stacks (no cloud, no Pulumi CLI)."""
