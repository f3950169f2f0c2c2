"""nbgrader settings `netcourse lab` adds on a folder of notebooks: none are needed.

Validate works with nbgrader's defaults; this file only keeps nbgrader from
warning "No nbgrader_config.py file found" each time Validate is pressed.
"""
