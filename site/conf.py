"""Sphinx configuration of the course site (built by `netcourse site`, i.e. `make site`).

`netcourse site` copies this folder and the student release into one source
folder, runs the notebooks there itself, one after another with a time limit
each, and writes _generated/ (the syllabus, the run times, build.json with the
facts the pages show). myst-nb then only renders: it executes nothing.
"""

import json
from pathlib import Path

FACTS = json.loads((Path(__file__).parent / "_generated" / "build.json").read_text())

project = "Sockets to Coroutines"
author = "the course's authors"
copyright = "the course's authors, MIT licence"
release = version = FACTS["netcourse_version"]

extensions = ["myst_nb"]
exclude_patterns = ["_static", "_generated", "kit", "**/.ipynb_checkpoints"]
myst_enable_extensions = ["colon_fence", "substitution"]
myst_heading_anchors = 3
myst_substitutions = FACTS

# -- notebooks: outputs come from `netcourse site`'s own run ----------------------------
nb_execution_mode = "off"
nb_merge_streams = True
# ipywidgets are drawn by the html-manager vendored in _static/widgets, not from a CDN
nb_ipywidgets_js = {"widgets/embed.js": {}}

# -- HTML ------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = project
html_favicon = "_static/favicon.svg"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_last_updated_fmt = ""
# Without a default mode, a first visit logs "Got invalid theme mode" as a console error.
html_context = {"default_mode": "auto"}
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
}
if FACTS["repository_url"]:
    # notebook pages live at the repository's own notebooks/ paths
    html_theme_options |= {
        "repository_url": FACTS["repository_url"],
        "repository_branch": "main",
        "path_to_docs": "",
        "use_repository_button": True,
        "launch_buttons": {
            "binderhub_url": "https://mybinder.org",
            "notebook_interface": "jupyterlab",
        },
    }
