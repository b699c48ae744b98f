"""Pure domain models and rules: no I/O, no clocks (time is always an argument)."""
