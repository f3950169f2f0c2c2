"""What students see in feedback: their scores and the checks' messages, nothing hidden.

nbgrader's feedback shows each test cell as it ran during grading, hidden
tests included, and every output as the kernel sent it. :class:`HideHiddenTests`,
configured for ``generate_feedback`` (pipeline.py), cuts the hidden part of
every test cell's source, cuts every error in a test cell down to its one-line
message (the checkers' messages never contain expected values), redacts from
every output each line that holds a line of a hidden test or of a solution
(student code can print the hidden tests from the kernel's input history),
drops widget state and output metadata, and renders every markdown cell to
HTML cleaned by bleach (nbgrader's feedback template renders markdown
unsanitized). nbconvert's own sanitizer (``HTMLExporter.sanitize_html``) then
renders HTML and markdown outputs without scripts, event handlers, iframes or
forms; pages.py adds a policy that lets no script run at all as it copies the
pages out of the scratch course.
"""

from __future__ import annotations

import html.parser
import json
import re
from collections.abc import Iterable
from pathlib import Path

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List

from ..course.cells import is_test_cell, nbgrader_meta

HIDDEN_REGION = re.compile(
    r"^[^\n]*BEGIN HIDDEN TESTS[^\n]*\n.*?^[^\n]*END HIDDEN TESTS[^\n]*(\n|$)",
    re.DOTALL | re.MULTILINE,
)
SOLUTION_REGION = re.compile(
    r"^[^\n]*BEGIN SOLUTION[^\n]*\n(.*?)^[^\n]*END SOLUTION[^\n]*(\n|$)", re.DOTALL | re.MULTILINE
)
PLACEHOLDER = "# (hidden tests ran here; they are not shown in feedback)\n"
REDACTED = "[a line of the instructor's tests or solution, not shown]"
MIN_SECRET = 12  # shorter lines (`return data`, `else:`) say nothing worth hiding
# What rendered markdown may keep: formatting, links and images, nothing that acts.
MARKDOWN_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt",
                 "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p",
                 "pre", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
                 "tr", "ul"}  # fmt: skip
MARKDOWN_ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "alt", "title"], "*": ["class"]}
MARKDOWN_PROTOCOLS = ("http", "https", "mailto")
# What markdown2html itself adds to plain markdown: heading anchors, task lists, alignment.
RENDERED_ATTRIBUTES = {"alt", "class", "disabled", "href", "id", "src", "start", "style", "title",
                       "type"}  # fmt: skip


def without_hidden_tests(source: str) -> str:
    """The source of a test cell with every hidden region replaced by a one-line note."""
    return HIDDEN_REGION.sub(PLACEHOLDER, source)


def secret_lines(cells: Iterable[dict]) -> set[str]:
    """Lines only the hidden tests and solutions of these (source) cells hold, stripped."""
    secret, visible = set(), set()
    for cell in cells:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        hidden = [m.group(0) for m in HIDDEN_REGION.finditer(source)]
        if nbgrader_meta(cell).get("solution"):
            hidden += [m.group(1) for m in SOLUTION_REGION.finditer(source)]
        secret |= {line.strip() for part in hidden for line in part.splitlines()}
        rest = SOLUTION_REGION.sub("", HIDDEN_REGION.sub("", source))
        visible |= {line.strip() for line in rest.splitlines()}
    return {line for line in secret - visible if len(line) >= MIN_SECRET and "###" not in line}


def redact(text: str, secrets: set[str]) -> str:
    """``text`` with every line that holds one of ``secrets`` replaced by a note."""
    if not secrets or not any(s in text for s in secrets):
        return text
    lines = text.splitlines(keepends=True)
    return "".join(
        REDACTED + ("\n" if line.endswith("\n") else "") if any(s in line for s in secrets)
        else line
        for line in lines
    )  # fmt: skip


def _redact_output(output: NotebookNode, secrets: set[str]) -> None:
    if output.output_type == "stream":
        output.text = redact(output.text, secrets)
    elif output.output_type == "error":
        output.evalue = redact(output.evalue, secrets)
        output.traceback = [redact(line, secrets) for line in output.traceback]
    else:
        for mime, value in output.get("data", {}).items():
            if isinstance(value, str):
                output.data[mime] = redact(value, secrets)
            elif isinstance(value, list):
                output.data[mime] = [redact(str(v), secrets) for v in value]
            else:
                output.data[mime] = json.loads(redact(json.dumps(value), secrets) or "null")
        output.metadata = {}  # e.g. "isolated", which renders HTML in an iframe


def safe_markdown(source: str) -> str:
    """A markdown cell's source as HTML that holds no script, handler, frame or form."""
    import bleach
    from nbconvert.filters import markdown2html

    return bleach.clean(
        markdown2html(source),
        tags=MARKDOWN_TAGS,
        attributes=MARKDOWN_ATTRIBUTES,
        protocols=list(MARKDOWN_PROTOCOLS),
    )


class _Inert(html.parser.HTMLParser):
    """Finds whether rendered markdown holds anything beyond what plain markdown renders to."""

    def __init__(self) -> None:
        super().__init__()
        self.inert = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        checkbox = tag == "input" and values.get("type") == "checkbox" and "disabled" in values
        style = values.get("style") or ""
        urls = [values.get(name) or "" for name in ("href", "src")]
        self.inert &= (
            (tag in MARKDOWN_TAGS or checkbox)
            and set(values) <= RENDERED_ATTRIBUTES
            and re.fullmatch(r"(text-align: *(left|right|center);? *)?", style) is not None
            and all(_safe_url(url) for url in urls)
        )


def _safe_url(url: str) -> bool:
    scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    return scheme is None or scheme.group(1).lower() in MARKDOWN_PROTOCOLS


def inert_markdown(source: str) -> str:
    """A markdown cell's source as written when it renders to nothing that acts, else safe HTML.

    The formgrader renders markdown unsanitized; an honest student's answer
    stays byte for byte what they wrote.
    """
    from nbconvert.filters import markdown2html

    parser = _Inert()
    parser.feed(markdown2html(source))
    parser.close()
    return source if parser.inert else safe_markdown(source)


def _source_cells(resources: dict, config) -> list[dict]:
    """The cells of this notebook's source, with its solutions and hidden tests, if found."""
    from nbgrader.coursedir import CourseDirectory

    info = resources.get("nbgrader", {})
    if not info.get("assignment") or not info.get("notebook"):
        return []
    coursedir = CourseDirectory(config=config)
    folder = coursedir.format_path(coursedir.source_directory, ".", info["assignment"])
    path = Path(folder) / f"{info['notebook']}.ipynb"
    try:
        return json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return []


class HideHiddenTests(NbGraderPreprocessor):
    """Keep the instructor's tests and solutions out of feedback (see the module docstring)."""

    # nbconvert configures this for every preprocessor; nbgrader's base class declares it
    # without config=True, which made nbgrader warn on every feedback page (as GetGrades does).
    display_data_priority = List(NbGraderPreprocessor.display_data_priority.default()).tag(
        config=True
    )

    def preprocess(self, nb: NotebookNode, resources: dict):
        # Without the source at hand, the graded notebook's test cells (the
        # source's, hidden tests in full) still say what to hide.
        source = _source_cells(resources, self.config) or list(filter(is_test_cell, nb.cells))
        self._secrets = secret_lines(source)
        nb.metadata.pop("widgets", None)  # widget state renders as live HTML
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type == "markdown":
            cell.source = safe_markdown(cell.source)
        if is_test_cell(cell):
            cell.source = without_hidden_tests(cell.source)
        for output in cell.get("outputs", []):
            if output.output_type == "error" and is_test_cell(cell):
                output.traceback = [f"\x1b[0;31m{output.ename}\x1b[0m: {output.evalue}"]
            _redact_output(output, self._secrets)
        return cell, resources
