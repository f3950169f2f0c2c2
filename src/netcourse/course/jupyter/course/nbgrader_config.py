"""nbgrader settings `netcourse lab` adds on a course: its exchange is a folder of the course.

nbgrader's default exchange, /usr/local/share/nbgrader/exchange, does not exist
on a laptop, and the Assignments tab then says it "does not exist and could not
be created". netcourse lab creates <course>/exchange (git-ignored) and names it here.
"""

import os

c = get_config()  # noqa: F821 -- provided by nbgrader when it loads this file

if os.environ.get("NETCOURSE_EXCHANGE"):
    c.Exchange.root = os.environ["NETCOURSE_EXCHANGE"]
