"""One rule per module; see service/review/registry.py for the interface."""
