"""The fault matrix (issue 9): scenarios that prove nothing is lost, duplicated or leaked.

``python -m tests.faults.run`` (``make faults``) prints one table; docs/reliability.md
says what each scenario proves and how to read the figures.
"""
