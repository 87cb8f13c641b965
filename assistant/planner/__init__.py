"""The offline planner: a deterministic brain for machines with no language model."""

from assistant.planner.model import OfflinePlanner

__all__ = ["OfflinePlanner"]
