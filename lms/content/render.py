"""Markdown to safe HTML, rendered once at sync time.

Relative links are resolved against the course: `../assets/x.svg` becomes the asset's URL and
`02-other.md` the other module's page; a link to something that does not exist is reported.
The HTML is then sanitized with an allow-list, so course text never runs script.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import xml.etree.ElementTree as etree  # noqa: N813 - the name Python-Markdown uses
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify as ascii_slugify
from markdown.treeprocessors import Treeprocessor

# Raised when the renderer changes in a way that must re-render unchanged sources.
RENDERER_VERSION = "2"  # 2: a table's scroll box is focusable

ALLOWED_TAGS = set(nh3.ALLOWED_TAGS)
ALLOWED_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
for tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
    ALLOWED_ATTRIBUTES.setdefault(tag, set()).add("id")
for tag in ("div", "p", "code", "pre", "span"):
    ALLOWED_ATTRIBUTES.setdefault(tag, set()).add("class")
ALLOWED_ATTRIBUTES["a"] = ALLOWED_ATTRIBUTES["a"] | {"title"}
ALLOWED_ATTRIBUTES["img"] = ALLOWED_ATTRIBUTES["img"] | {"title", "loading"}
URL_SCHEMES = {"http", "https", "mailto"}
MODULE_LINK_RE = re.compile(r"^modules/\d+-([a-z0-9][a-z0-9-]*)\.md$")
# A link to another module as `_CourseLinks` writes it: the slug, relative to the module page.
RENDERED_MODULE_HREF_RE = re.compile(r'href="([a-z0-9][a-z0-9-]*)(#[^"]*)?"')


def heading_slug(value: str, separator: str) -> str:
    """Make an ASCII heading id from Vietnamese text (đ has no decomposition, so map it)."""
    value = unicodedata.normalize("NFC", value).replace("đ", "d").replace("Đ", "D")
    return ascii_slugify(value, separator)


@dataclass
class LinkTargets:
    """What relative links in one course may point to, and how to address each."""

    course_slug: str
    asset_paths: frozenset[str]
    module_slugs: frozenset[str]


@dataclass
class RenderedModule:
    """Sanitized HTML, the table of contents and any broken links found while rendering."""

    html: str
    toc: list[dict]
    broken_links: list[str] = field(default_factory=list)


class _CourseLinks(Treeprocessor):
    """Rewrite relative links and images to course URLs; collect the ones that do not resolve."""

    def __init__(self, md, targets: LinkTargets, broken: list[str]):
        super().__init__(md)
        self.targets = targets
        self.broken = broken

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            attr = {"a": "href", "img": "src"}.get(element.tag)
            if attr and element.get(attr):
                element.set(attr, self._resolve(element.get(attr)))
            if element.tag == "img":
                element.set("loading", "lazy")
        self._wrap_tables(root)

    def _resolve(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith(("#", "/")):
            return url  # external, in-page or absolute: left to the sanitizer
        target = posixpath.normpath(posixpath.join("modules", parts.path))
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if target.startswith("assets/") and target[len("assets/") :] in self.targets.asset_paths:
            return f"/courses/{self.targets.course_slug}/{target}{fragment}"
        module = MODULE_LINK_RE.match(target)
        if module and module.group(1) in self.targets.module_slugs:
            return f"{module.group(1)}{fragment}"
        self.broken.append(url)
        return url

    @staticmethod
    def _wrap_tables(root: etree.Element) -> None:
        """Put each table in a scroll box so a wide table never widens a phone's page.

        The box is focusable (`tabindex="0"`) so a keyboard can scroll it (WCAG 2.1.1; axe's
        `scrollable-region-focusable`)."""
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "table":
                    box = etree.Element("div", {"class": "table-scroll", "tabindex": "0"})
                    parent.remove(child)
                    box.append(child)
                    parent.insert(index, box)


class _CourseLinksExtension(Extension):
    def __init__(self, targets: LinkTargets, broken: list[str]):
        super().__init__()
        self.targets = targets
        self.broken = broken

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        md.treeprocessors.register(_CourseLinks(md, self.targets, self.broken), "course_links", 1)


def sanitize(html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        tag_attribute_values={"div": {"tabindex": {"0"}}},  # the table boxes; no other value is kept
    )


def _flatten_toc(tokens: list[dict]) -> list[dict]:
    flat = []
    for token in tokens:
        flat.append({"id": token["id"], "title": token["name"], "level": token["level"]})
        flat.extend(_flatten_toc(token.get("children", [])))
    return flat


def with_module_links(html: str, url_of: Callable[[str], str]) -> str:
    """A rendered module's HTML with its links to other modules made absolute (`url_of(slug)`).

    Rendered once per course, the links are relative to the module page; a page that shows the
    module somewhere else (the live room's slides) must point them at a class's module pages.
    """
    return RENDERED_MODULE_HREF_RE.sub(lambda m: f'href="{url_of(m.group(1))}{m.group(2) or ""}"', html)


def render_module(body: str, targets: LinkTargets) -> RenderedModule:
    """Render one module's Markdown body to sanitized HTML with its table of contents."""
    broken: list[str] = []
    md = markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "admonition",
            "sane_lists",
            "toc",
            _CourseLinksExtension(targets, broken),
        ],
        extension_configs={"toc": {"slugify": heading_slug, "toc_depth": "2-3", "title": ""}},
        output_format="html",
    )
    html = md.convert(body)
    return RenderedModule(html=sanitize(html), toc=_flatten_toc(md.toc_tokens), broken_links=broken)
