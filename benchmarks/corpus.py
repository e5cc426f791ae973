"""A seeded, deterministic corpus of synthetic partner feeds for the refresh benchmark.

Each feed is a WordPress-like RSS 2.0 (about 55 %), an Atom (35 %) or an RSS 1.0 (10 %)
document with 10-50 entries (most feeds have WordPress's default of 10). Entries carry
2-20 KB of realistic HTML (headings, paragraphs with absolute and relative links,
images with alt text, lists, quotes), an author, categories and dates.

The ``heavy`` style (``--corpus heavy``) is what partners' WordPress sites send: every
feed is RSS 2.0, and every post's ``content:encoded`` is 5-20 KB of WordPress block markup
(paragraphs with typographic entities and links, headings, lists, images with ``srcset``
and alt text, figure captions, YouTube and Vimeo embeds in iframes, quotes, tables,
buttons, separators) with a ``description`` summary of its first 55 words, as
``the_excerpt_rss`` writes it.

The same ``(style, seed, index)`` always gives the same feed, so the server can rebuild a
feed and change it deterministically between rounds (:func:`changed_feed`). Rendered
feeds are cached on disk by style, seed and count (plain and gzipped), so reruns start at
once::

    python benchmarks/corpus.py --feeds 1000                  # build (or reuse), print stats
    python benchmarks/corpus.py --feeds 1000 --corpus heavy   # the WordPress-heavy corpus
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

CACHE = Path(__file__).resolve().parent / ".cache"
EPOCH = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
KINDS = (("rss2", 0.55), ("atom", 0.35), ("rss1", 0.10))
STYLES = ("light", "heavy")
_WORDS = (  # noqa: SIM905 (a paragraph of words reads better than a list)
    "co-production people services together power lived experience support care community "
    "network partners wales change voice equal citizens housing health wellbeing council "
    "project volunteers young families carers rights learning practice research funding "
    "evaluation commissioning outcomes trust relationships listening design delivery local "
    "regional national policy guidance workshop event report toolkit stories assets strengths "
    "inclusion disability mental social justice collaboration governance board members staff "
    "training resources evidence impact value welsh government third sector charity the a of "
    "and to in for with on by from about into across through between within our their we they"
).split()
_CATEGORIES = (
    "Co-production", "News", "Events", "Blog", "Research", "Policy", "Health", "Housing",
    "Social care", "Wellbeing", "Training", "Community", "Funding", "Reports", "Case studies",
)  # fmt: skip
_VIDEO_ID = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789_-"
_AUTHORS = ("Alys Evans", "Rhodri Price", "Sam Okafor", "Megan Hughes", "Priya Shah", "Tom Lewis")


@dataclass(frozen=True, slots=True)
class Post:
    """One entry of a synthetic feed."""

    number: int
    title: str
    slug: str
    author: str
    categories: tuple[str, ...]
    published: datetime
    updated: datetime
    content: str
    summary: str | None = None  # the description's text; None: derived from the content


@dataclass(frozen=True, slots=True)
class Feed:
    """One synthetic feed: its kind, identity and entries (newest first)."""

    index: int
    kind: str
    name: str
    site: str
    posts: tuple[Post, ...]


class _Writer:
    """Sentences and HTML blocks from one seeded random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def words(self, count: int) -> str:
        return " ".join(self.rng.choices(_WORDS, k=count))

    def sentence(self) -> str:
        text = self.words(self.rng.randint(8, 22))
        return text[0].upper() + text[1:] + "."

    def paragraph(self, site: str) -> str:
        sentences = [self.sentence() for _ in range(self.rng.randint(3, 7))]
        roll = self.rng.random()
        if roll < 0.35:
            target = f"{site}/{self.words(2).replace(' ', '-')}/"
            sentences[0] = f'{sentences[0]} <a href="{target}">{self.words(3)}</a>'
        elif roll < 0.55:  # a relative link, resolved against the feed's URL
            sentences[-1] += f' See <a href="/resources/{self.rng.randint(1, 999)}/">our notes</a>.'
        if self.rng.random() < 0.3:
            sentences[1] = f"<strong>{sentences[1]}</strong>"
        if self.rng.random() < 0.2:
            sentences[-1] = f"<em>{sentences[-1]}</em>"
        return "<p>" + " ".join(sentences) + "</p>\n"

    def block(self, site: str) -> str:
        roll = self.rng.random()
        if roll < 0.12:
            number = self.rng.randint(1, 9999)
            return (
                f'<figure><img src="{site}/wp-content/uploads/2026/02/photo-{number}.jpg" '
                f'alt="{self.words(6)}" width="800" height="533" loading="lazy" />'
                f"<figcaption>{self.sentence()}</figcaption></figure>\n"
            )
        if roll < 0.2:
            items = "".join(f"<li>{self.words(self.rng.randint(4, 12))}</li>" for _ in range(4))
            return f"<ul>{items}</ul>\n"
        if roll < 0.26:
            return f"<h2>{self.words(5).capitalize()}</h2>\n"
        if roll < 0.3:
            return f"<blockquote><p>{self.sentence()}</p></blockquote>\n"
        return self.paragraph(site)

    def content(self, site: str, size: int) -> str:
        parts: list[str] = []
        length = 0
        while length < size:
            part = self.block(site)
            parts.append(part)
            length += len(part)
        return "".join(parts)

    # -- the heavy style: WordPress block markup, as its feeds send it --------------

    def typographic(self) -> str:
        """A sentence as WordPress's texturize writes it: curly quotes and dashes."""
        text = self.sentence()
        roll = self.rng.random()
        if roll < 0.25:
            return text.replace(" ", " &#8220;", 1).replace(".", "&#8221;.", 1)
        if roll < 0.4:
            return text.replace(" the ", " the community&#8217;s ", 1)
        if roll < 0.5:
            return text.replace(" ", " &#8211; ", 1)
        return text

    def wp_paragraph(self, site: str) -> str:
        sentences = [self.typographic() for _ in range(self.rng.randint(2, 6))]
        for position in range(len(sentences)):
            roll = self.rng.random()
            if roll < 0.15:
                target = f"{site}/{self.words(2).replace(' ', '-')}/"
                sentences[position] += f' <a href="{target}">{self.words(3)}</a>'
            elif roll < 0.22:  # relative, resolved against the feed's URL
                number = self.rng.randint(1, 999)
                sentences[position] += f' See <a href="/resources/{number}/">our notes</a>.'
            elif roll < 0.27:
                sentences[position] = f"<strong>{sentences[position]}</strong>"
            elif roll < 0.31:
                sentences[position] = f"<em>{sentences[position]}</em>"
        return "<p>" + " ".join(sentences) + "</p>\n"

    def wp_image(self, site: str) -> str:
        number = self.rng.randint(1, 99999)
        base = f"{site}/wp-content/uploads/2026/02/photo-{number}"
        srcset = ", ".join(f"{base}-{w}x{w * 2 // 3}.jpg {w}w" for w in (300, 768, 1024, 1536))
        caption = ""
        if self.rng.random() < 0.6:
            caption = f'<figcaption class="wp-element-caption">{self.typographic()}</figcaption>'
        alt = self.words(self.rng.randint(3, 10)) if self.rng.random() < 0.85 else ""
        return (
            f'<figure class="wp-block-image size-large"><img decoding="async" '
            f'loading="lazy" width="1024" height="683" src="{base}-1024x683.jpg" '
            f'alt="{alt}" class="wp-image-{number}" srcset="{srcset}" '
            f'sizes="auto, (max-width: 1024px) 100vw, 1024px" />{caption}</figure>\n'
        )

    def wp_embed(self) -> str:
        title = self.words(self.rng.randint(3, 8)).capitalize()
        code = "".join(self.rng.choices(_VIDEO_ID, k=11))
        if self.rng.random() < 0.75:
            provider, source = "youtube", f"https://www.youtube.com/embed/{code}?feature=oembed"
        else:
            number = self.rng.randint(10**8, 10**9)
            provider = "vimeo"
            source = f"https://player.vimeo.com/video/{number}?dnt=1&amp;app_id=122963"
        caption = ""
        if self.rng.random() < 0.4:
            caption = f'<figcaption class="wp-element-caption">{self.typographic()}</figcaption>'
        return (
            f'<figure class="wp-block-embed is-type-video is-provider-{provider} '
            f'wp-block-embed-{provider} wp-embed-aspect-16-9 wp-has-aspect-ratio">'
            f'<div class="wp-block-embed__wrapper">\n<iframe loading="lazy" title="{title}" '
            f'width="640" height="360" src="{source}" frameborder="0" allow="accelerometer; '
            f"autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture; "
            f'web-share" referrerpolicy="strict-origin-when-cross-origin" allowfullscreen>'
            f"</iframe>\n</div>{caption}</figure>\n"
        )

    def wp_list(self, site: str) -> str:
        tag = "ol" if self.rng.random() < 0.3 else "ul"
        items = []
        for _ in range(self.rng.randint(3, 8)):
            text = self.words(self.rng.randint(4, 14))
            if self.rng.random() < 0.25:
                text = f'<a href="{site}/{self.words(2).replace(" ", "-")}/">{text}</a>'
            items.append(f"<li>{text}</li>")
        return f'<{tag} class="wp-block-list">{"".join(items)}</{tag}>\n'

    def wp_block(self, site: str) -> str:
        roll = self.rng.random()
        if roll < 0.10:
            return self.wp_image(site)
        if roll < 0.14:
            return self.wp_embed()
        if roll < 0.22:
            return self.wp_list(site)
        if roll < 0.30:
            level = self.rng.choice((2, 2, 3))
            heading = self.words(self.rng.randint(3, 7)).capitalize()
            return f'<h{level} class="wp-block-heading">{heading}</h{level}>\n'
        if roll < 0.33:
            return (
                f'<blockquote class="wp-block-quote"><p>{self.typographic()}</p>'
                f"<cite>{self.rng.choice(_AUTHORS)}</cite></blockquote>\n"
            )
        if roll < 0.345:
            rows = "".join(
                "<tr>" + "".join(f"<td>{self.words(2)}</td>" for _ in range(3)) + "</tr>"
                for _ in range(self.rng.randint(2, 5))
            )
            return f'<figure class="wp-block-table"><table><tbody>{rows}</tbody></table></figure>\n'
        if roll < 0.355:
            return (
                '<div class="wp-block-buttons is-layout-flex wp-block-buttons-is-layout-flex">'
                '<div class="wp-block-button"><a class="wp-block-button__link wp-element-button" '
                f'href="{site}/{self.words(2).replace(" ", "-")}/">{self.words(3).capitalize()}'
                "</a></div></div>\n"
            )
        if roll < 0.365:
            return '<hr class="wp-block-separator has-alpha-channel-opacity"/>\n'
        return self.wp_paragraph(site)

    def wp_content(self, site: str, size: int) -> str:
        parts: list[str] = [self.wp_paragraph(site)]  # WordPress posts open with text
        length = len(parts[0])
        while length < size:
            part = self.wp_block(site)
            parts.append(part)
            length += len(part)
        return "".join(parts)


def entry_size(rng: random.Random) -> int:
    """2-20 KB, skewed towards short posts (median about 2.3 KB, mean about 5 KB)."""
    return int(2048 + 18432 * rng.random() ** 6)


def heavy_entry_size(rng: random.Random) -> int:
    """5-20 KB, skewed towards shorter posts (mean about 10 KB)."""
    return int(5120 + 15360 * rng.random() ** 1.5)


def entry_count(rng: random.Random) -> int:
    """WordPress's default of 10 for most feeds, else 11-50."""
    return 10 if rng.random() < 0.6 else rng.randint(11, 50)


def make_post(
    writer: _Writer, site: str, number: int, moment: datetime, style: str = "light"
) -> Post:
    """A post published at ``moment``, in the corpus ``style``."""
    rng = writer.rng
    title = writer.words(rng.randint(4, 9)).capitalize()
    post = Post(
        number=number,
        title=title,
        slug=title.lower().replace(" ", "-")[:60],
        author=rng.choice(_AUTHORS),
        categories=tuple(rng.sample(_CATEGORIES, rng.randint(1, 4))),
        published=moment,
        updated=moment,
        content="",
    )
    if style == "heavy":
        content = writer.wp_content(site, heavy_entry_size(rng))
        return replace(post, content=content, summary=wordpress_excerpt(content))
    return replace(post, content=writer.content(site, entry_size(rng)))


def wordpress_excerpt(content: str) -> str:
    """The first 55 words of the post's text and `` [&#8230;]``, as ``the_excerpt_rss``."""
    text = re.sub(r"<figure\b.*?</figure>|<[^>]+>", " ", content, flags=re.DOTALL)
    words = text.split()  # texturize's entities stay, as in WordPress's own feeds
    return " ".join(words[:55]) + (" [&#8230;]" if len(words) > 55 else "")


def make_feed(seed: int, index: int, style: str = "light") -> Feed:
    """Feed number ``index`` of the corpus with this seed and style (always the same)."""
    rng = random.Random(f"{seed}:{index}" if style == "light" else f"{style}:{seed}:{index}")
    writer = _Writer(rng)
    kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    if style == "heavy":
        kind = "rss2"  # WordPress
    site = f"https://partner{index}.example.org"
    count = entry_count(rng)
    moment = EPOCH - timedelta(minutes=rng.randint(0, 600))
    posts = []
    for number in range(count, 0, -1):
        posts.append(make_post(writer, site, 1000 + number, moment, style))
        moment -= timedelta(hours=rng.randint(6, 24 * 14))
    return Feed(index=index, kind=kind, name=f"Partner {index}", site=site, posts=tuple(posts))


def changed_feed(feed: Feed, seed: int, generation: int, style: str = "light") -> Feed:
    """``feed`` after ``generation`` rounds of change: each adds 1-3 new posts on top.

    This is how blogs change: new posts appear at the top and as many of the oldest drop
    off the bottom (WordPress sends the newest 10); the posts that stay are unchanged,
    byte for byte. The number of new posts is drawn from the seed, feed and step.
    """
    posts = list(feed.posts)
    for step in range(1, generation + 1):
        writer = _Writer(random.Random(f"{seed}:{feed.index}:change:{step}"))
        added = writer.rng.randint(1, 3)
        new = []
        for offset in range(added):
            moment = EPOCH + timedelta(hours=step, minutes=10 * (added - offset))
            number = posts[0].number + added - offset
            new.append(make_post(writer, feed.site, number, moment, style))
        posts = [*new, *posts[: len(posts) - added]]
    return replace(feed, posts=tuple(posts))


def render(feed: Feed, feed_url: str) -> bytes:
    """The feed document, UTF-8 encoded, in its kind's format."""
    renderers = {"rss2": _render_rss2, "atom": _render_atom, "rss1": _render_rss1}
    return renderers[feed.kind](feed, feed_url).encode("utf-8")


def content_type(kind: str) -> str:
    """The Content-Type a typical server sends for this kind of feed."""
    types = {"rss2": "application/rss+xml", "atom": "application/atom+xml"}
    return types.get(kind, "application/rdf+xml") + "; charset=UTF-8"


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _summary(post: Post) -> str:
    if post.summary is not None:
        return post.summary
    text = post.content.split("</p>", 1)[0].removeprefix("<p>")
    return html.escape(text[:300]) + " [&#8230;]"


def _render_rss2(feed: Feed, feed_url: str) -> str:
    items = []
    for post in feed.posts:
        link = f"{feed.site}/{post.published:%Y/%m}/{post.slug}/"
        categories = "".join(f"<category>{_cdata(c)}</category>" for c in post.categories)
        items.append(
            f"<item><title>{html.escape(post.title)}</title><link>{link}</link>"
            f"<comments>{link}#respond</comments>"
            f"<dc:creator>{_cdata(post.author)}</dc:creator>"
            f"<pubDate>{format_datetime(post.published)}</pubDate>{categories}"
            f'<guid isPermaLink="false">{feed.site}/?p={post.number}</guid>'
            f"<description>{_cdata(_summary(post))}</description>"
            f"<content:encoded>{_cdata(post.content)}</content:encoded>"
            f"<wfw:commentRss>{link}feed/</wfw:commentRss><slash:comments>0</slash:comments>"
            "</item>\n"
        )
    newest = max(post.updated for post in feed.posts)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" '
        'xmlns:slash="http://purl.org/rss/1.0/modules/slash/">\n<channel>'
        f"<title>{feed.name}</title>"
        f'<atom:link href="{feed_url}" rel="self" type="application/rss+xml" />'
        f"<link>{feed.site}</link><description>News from {feed.name}</description>"
        f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate><language>en-GB</language>"
        "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency>"
        "<generator>https://wordpress.org/?v=6.7.2</generator>\n"
        + "".join(items)
        + "</channel>\n</rss>\n"
    )


def _render_atom(feed: Feed, feed_url: str) -> str:
    entries = []
    for post in feed.posts:
        link = f"{feed.site}/blog/{post.slug}"
        categories = "".join(f'<category term="{html.escape(c)}" />' for c in post.categories)
        entries.append(
            f"<entry><id>tag:partner{feed.index}.example.org,2026:post-{post.number}</id>"
            f'<title type="text">{html.escape(post.title)}</title>'
            f'<link rel="alternate" type="text/html" href="{link}" />'
            f"<author><name>{html.escape(post.author)}</name></author>"
            f"<published>{post.published.isoformat()}</published>"
            f"<updated>{post.updated.isoformat()}</updated>{categories}"
            f'<summary type="html">{_summary(post)}</summary>'
            f'<content type="html" xml:base="{feed.site}/blog/">{html.escape(post.content)}'
            "</content></entry>\n"
        )
    newest = max(post.updated for post in feed.posts)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        'xml:lang="en-GB">\n'
        f"<title>{feed.name}</title><id>{feed.site}/</id>"
        f'<link rel="alternate" href="{feed.site}/" /><link rel="self" href="{feed_url}" />'
        f"<updated>{newest.isoformat()}</updated><generator>Ghost 5.0</generator>\n"
        + "".join(entries)
        + "</feed>\n"
    )


def _render_rss1(feed: Feed, feed_url: str) -> str:
    links = [f"{feed.site}/news/{post.slug}.html" for post in feed.posts]
    sequence = "".join(f'<rdf:li rdf:resource="{link}" />' for link in links)
    items = []
    for post, link in zip(feed.posts, links, strict=True):
        subjects = "".join(f"<dc:subject>{html.escape(c)}</dc:subject>" for c in post.categories)
        items.append(
            f'<item rdf:about="{link}"><title>{html.escape(post.title)}</title>'
            f"<link>{link}</link><description>{_summary(post)}</description>"
            f"<dc:creator>{html.escape(post.author)}</dc:creator>"
            f"<dc:date>{post.updated.isoformat()}</dc:date>{subjects}"
            f"<content:encoded>{_cdata(post.content)}</content:encoded></item>\n"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
        f'<channel rdf:about="{feed_url}"><title>{feed.name}</title><link>{feed.site}/</link>'
        f"<description>News from {feed.name}</description>"
        f"<items><rdf:Seq>{sequence}</rdf:Seq></items></channel>\n"
        + "".join(items)
        + "</rdf:RDF>\n"
    )


def feed_path(index: int) -> str:
    """The URL path a feed is served at."""
    return f"/feeds/{index}.xml"


def gzipped(body: bytes) -> bytes:
    """``body`` gzip-compressed at level 6, as a typical server does."""
    return gzip.compress(body, compresslevel=6, mtime=0)


def build(feeds: int, seed: int = 1, style: str = "light") -> Path:
    """Render the corpus into the cache (unless it is there already); return its folder.

    The folder holds ``<index>.xml``, ``<index>.xml.gz`` and ``manifest.json``. Feeds are
    rendered with a placeholder host (``http://feeds.invalid``) in self links; the server
    does not rewrite them (feed parsers resolve links against the fetched URL).
    """
    if style not in STYLES:
        raise ValueError(f"unknown corpus style {style!r}: one of {', '.join(STYLES)}")
    prefix = "corpus" if style == "light" else f"corpus-{style}"
    folder = CACHE / f"{prefix}-seed{seed}-n{feeds}"
    manifest = folder / "manifest.json"
    if manifest.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    per_kind = {"rss2": 0, "atom": 0, "rss1": 0}
    kind_list, sizes, posts = [], 0, 0
    for index in range(feeds):
        feed = make_feed(seed, index, style)
        body = render(feed, "http://feeds.invalid" + feed_path(index))
        (folder / f"{index}.xml").write_bytes(body)
        (folder / f"{index}.xml.gz").write_bytes(gzipped(body))
        kind_list.append(feed.kind)
        per_kind[feed.kind] += 1
        sizes += len(body)
        posts += len(feed.posts)
    counts = {
        "style": style,
        "seed": seed,
        "feeds": feeds,
        "kinds": per_kind,
        "bytes": sizes,
        "entries": posts,
    }
    manifest.write_text(json.dumps({"stats": counts, "kinds": kind_list}))
    return folder


def stats(folder: Path) -> dict[str, Any]:
    """The corpus's style, seed and counts: feeds, feeds per kind, total bytes and entries."""
    counts = dict(json.loads((folder / "manifest.json").read_text())["stats"])
    counts.setdefault("style", "light")  # caches built before the heavy style existed
    return counts


def kinds(folder: Path) -> list[str]:
    """The kind of each feed in a built corpus, in order."""
    return list(json.loads((folder / "manifest.json").read_text())["kinds"])


def main() -> None:
    """Build (or reuse) a corpus and print its statistics."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", choices=STYLES, default="light", help="the corpus style")
    args = parser.parse_args()
    folder = build(args.feeds, args.seed, args.corpus)
    print(folder)
    print(json.dumps(stats(folder), indent=1))


if __name__ == "__main__":
    main()
