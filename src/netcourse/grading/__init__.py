"""Grading with nbgrader: ``netcourse grade`` (classroom.py) and the grading kernel (kernel.py).

Kept free of imports: the grading kernel imports this package before any
student code runs, and must start fast.
"""
