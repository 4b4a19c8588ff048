"""MkDocs hook: the site's front page is the repository's README.md.

README.md links to the documentation pages as `docs/<page>.md`, which is right on a code host;
on the site those pages sit beside the front page, so the `docs/` prefix is dropped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_DOCS_LINK = re.compile(r"\]\(docs/")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace the front page's text with README.md, its links made relative to the site."""
    if page.file.src_uri != "index.md":
        return markdown
    readme = Path(config.config_file_path).parent / "README.md"
    return _DOCS_LINK.sub("](", readme.read_text(encoding="utf-8"))
