"""nbgrader configuration for the course; every nbgrader command runs from this folder.

solutions/NN-topic/NN-topic.ipynb is the hand-edited source; `nbgrader
generate_assignment` (or `netcourse release`) writes the student version to
notebooks/NN-topic/. The grading folders (submitted/, autograded/, feedback/)
and gradebook.db are created here by nbgrader and are git-ignored.
`netcourse grade` reads this file in its scratch courses too, and sets the
execution, scoring and feedback steps below again on its own.
"""

from netcourse.grading.pipeline import FEEDBACK_STEPS, autograde_steps, sanitize_steps

c = get_config()  # noqa: F821 -- provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "sockets-to-coroutines"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"

# What students see in place of the solution code.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Execution of a submission. nbgrader's own `Execute` class is the one that
# counts: once Execute.timeout is set, ExecutePreprocessor.timeout is ignored.
# Every check bounds its own waits far below this, so the limit only catches
# student code that hangs by itself.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# Code that swallows the interrupt leaves the kernel silent; with the default
# (True) nbgrader then drops the whole submission ("Removing failed
# assignment"). False keeps it and grades the cells that ran.
c.Execute.raise_on_iopub_timeout = False
# One time budget for each notebook as well (BudgetedExecute): once it is
# spent, the remaining cells time out at once, so a submission that hangs cell
# after cell still finishes and keeps the points of the cells that ran
# (netcourse grade sets the budget from its --timeout). And the course's
# scoring rule (StrictSaveAutoGrades): a test cell passes only when all it
# shows is its check's report, so no displayed value can fake a pass.
c.Autograde.autograde_preprocessors = autograde_steps()
# nbgrader puts each locked cell back as the source has it (hidden tests included);
# RestoreHiddenTests does so without warning of a changed checksum for each test cell.
c.Autograde.sanitize_preprocessors = sanitize_steps()
c.BudgetedExecute.notebook_budget = 480
# A kernel that will not exit (a non-daemon thread left running) delays
# shutdown; this bounds the wait before it is killed.
c.KernelManager.shutdown_wait_time = 3.0

# Output floods cost time and memory in the feedback; keep it bounded.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 60

# Feedback shows scores and the checks' messages, never hidden tests or
# solutions, and no HTML that could run script (netcourse.grading.feedback).
c.GenerateFeedback.preprocessors = FEEDBACK_STEPS
c.HTMLExporter.sanitize_html = True
