"""The matter workflow (v2): `workflow.py` (the parent), `state.py`, `transitions.py`, `status.py`.

Nothing is imported here, so that the public contracts (`workflows.contracts`) can import the
state models without pulling in the workflow definition.
"""
