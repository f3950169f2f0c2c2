"""The hub trial: a real JupyterHub course on one machine, end to end (``make hub-trial``).

``plan`` names what it makes; ``install``, ``configure`` and ``hub`` set it up;
``drive`` runs the round trip through the hub's and the servers' REST APIs and
the browser (``rest``, ``browser``, ``answers``) and checks what grading leaves
for the formgrader and for feedback (``checks``); ``machine`` runs commands as the
trial's accounts and removes everything at the end. The runbook
(``autograder/README.md``, "The JupyterHub route") explains each step.
"""
