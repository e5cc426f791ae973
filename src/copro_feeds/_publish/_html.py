"""Entries → accessible HTML pages with Jinja2 (the only module importing jinja2).

One page beside each feed: ``index.html`` for the combined feed, and
``sources/<slug>/index.html`` and ``tags/<slug>/index.html`` for each partner and tag; plus
the shared ``style.css``. Templates come from a user folder first (``[output] templates``),
then from the package's ``data/templates``; autoescaping is on, so every title and excerpt is
escaped exactly once, and an undefined variable is an error, not an empty string.

Templates get two variables: ``site`` (the :class:`~copro_feeds.config.SiteConfig`) and
``page`` (a :class:`~copro_feeds._publish._page.Page`); everything on ``page`` is already
worked out there (relative links, dates as people read them), so templates hold no logic
beyond loops and conditions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from markupsafe import Markup  # Jinja2's own safe-string type

from copro_feeds._files import folder_digest
from copro_feeds._i18n import translations
from copro_feeds._publish._model import XSL_FILE, FeedContent
from copro_feeds._publish._page import CSS_FILE, PageFrames
from copro_feeds.config import SiteConfig
from copro_feeds.exceptions import PublishError
from copro_feeds.types import Attribution

_T = TypeVar("_T")

PAGE_TEMPLATE = "index.html"
TemplateError = jinja2.TemplateError
"""What a template that cannot render raises (for ``_roundup_pages``, which renders with
:func:`environment` too)."""


def environment(templates: Path | None, language: str) -> jinja2.Environment:
    """The Jinja2 environment of every page in ``language``: the user's template folder
    first, then the shipped one; autoescaping on; an undefined variable is an error.

    Our own words go through Jinja2's i18n extension (``{{ _("Partners") }}``,
    ``{% trans %}``), new-style: placeholders are keyword arguments, escaped like any
    variable (``{{ _("Posts from %(name)s", name=partner.name) }}``). The words come from
    the catalogue of ``language`` (:func:`copro_feeds._i18n.translations`).
    """
    # Keyed by the templates' contents, as the publish's own fingerprint is: an edited
    # template (whatever its size and time, in a linked folder too) makes a new one.
    return _kept_environment(templates, language, folder_digest(templates))


@functools.lru_cache(maxsize=16)
def _kept_environment(templates: Path | None, language: str, contents: str) -> jinja2.Environment:
    """One environment per templates folder, language and contents of the user's
    templates, kept between publishes: its templates are compiled once, not at every
    publish (a tenth of a small republish)."""
    del contents  # part of the cache key only
    shipped = resources.files("copro_feeds").joinpath("data", "templates")
    folders = [str(templates)] if templates else []
    return _environment(jinja2.FileSystemLoader([*folders, str(shipped)]), language)


def _environment(loader: jinja2.BaseLoader, language: str) -> jinja2.Environment:
    pages = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # no file check per included template: see _kept_environment
        extensions=["jinja2.ext.i18n"],
    )
    words = translations(language)
    pages.install_gettext_translations(words, newstyle=True)  # type: ignore[attr-defined]
    pages.globals["_"] = _words(words)
    return pages


def _words(words: Any) -> Callable[..., str]:
    """``_()`` for templates: what the i18n extension's new-style ``_`` gives, worked out
    once per message when it has no placeholders (every entry of every page asks for the
    same few words; the extension's three nested calls were a tenth of a page's time)."""
    fixed: dict[str, str] = {}

    @jinja2.pass_eval_context
    def gettext(context: jinja2.nodes.EvalContext, message: str, /, **variables: Any) -> str:
        if not context.autoescape:
            return str(words.gettext(message)) % variables
        if not variables and message in fixed:
            return fixed[message]
        # our own catalogue's words are trusted markup, as the i18n extension takes them
        translated = Markup(words.gettext(message)) % variables  # noqa: S704
        if not variables:
            fixed[message] = translated
        return translated

    return gettext


def feed_stylesheet(language: str) -> bytes:
    """``feed.xsl`` (shipped with the package) with our words in ``language``."""
    source = resources.files("copro_feeds").joinpath("data", XSL_FILE).read_text("utf-8")
    sheet = _environment(jinja2.BaseLoader(), language).from_string(source)
    return sheet.render(lang=language).encode()


class PageRenderer:
    """Renders the page beside each feed, one at a time, and the stylesheet.

    Built once per publish from every feed (for the links pages share); ``sources`` and
    the entries given to :meth:`render` must already be cleaned for publishing. A template
    that is missing, broken or uses an undefined variable raises PublishError naming it.
    """

    def __init__(
        self,
        feeds: Sequence[FeedContent],
        sources: Sequence[Attribution],
        site: SiteConfig,
        *,
        templates: Path | None = None,
        roundup: str | None = None,
        archive: bool = False,
    ) -> None:
        self._site = site
        self._frames = PageFrames(feeds, sources, site, roundup=roundup, archive=archive)
        self._pages = environment(templates, self._frames.lang)
        self._template = self._call(lambda: self._pages.get_template(PAGE_TEMPLATE))

    def render(self, feed: FeedContent) -> bytes:
        """The page of ``feed`` (its folder's ``index.html``)."""
        page = self._frames.page(feed)
        return self._call(lambda: self._template.render(site=self._site, page=page)).encode()

    @property
    def lang(self) -> str:
        """The language of the pages (and of our words on them)."""
        return self._frames.lang

    def stylesheet(self) -> bytes:
        """``style.css``: the user's, else the shipped one."""
        loader = self._pages.loader
        assert loader is not None
        css, _, _ = self._call(lambda: loader.get_source(self._pages, CSS_FILE))
        return css.encode()

    @staticmethod
    def _call(work: Callable[[], _T]) -> _T:
        try:
            return work()
        except jinja2.TemplateError as error:
            where = getattr(error, "filename", None) or getattr(error, "name", None)
            where = where or PAGE_TEMPLATE
            raise PublishError(f"cannot render the HTML pages ({where}): {error}") from error
