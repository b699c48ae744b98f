"""Temporal workflow definitions: deterministic orchestration only."""
