"""Monthly cost estimates of environments and of changes (`mlops cost`, the plan's cost column)."""

from infra.cost.estimate import CostChange, CostEstimate, CostItem, cost_change, estimate, load_prices

__all__ = ["CostChange", "CostEstimate", "CostItem", "cost_change", "estimate", "load_prices"]
