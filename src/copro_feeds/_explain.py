"""Pure: where each stored entry stands in the combined feed, and why, in plain words.

:func:`take_survey` places every stored entry given the publisher's own selection
(``_select.combined_selection``), so ``copro-feeds entries`` and ``explain`` cannot
disagree with the outputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from copro_feeds._dedupe import (
    Homepages,
    PostKey,
    Posts,
    duplicate_key,
    find_posts,
    is_publishers_own,
    merge_duplicates,
    similarity,
)
from copro_feeds._editorial import entry_key, quote, ref_of
from copro_feeds._filter import filter_verdict
from copro_feeds._select import configured_homepages, kept_entries
from copro_feeds._text import html_to_text
from copro_feeds._types import EditorialMarks, EntryKey
from copro_feeds.config import REPOST_SIMILARITY, SourceConfig
from copro_feeds.types import (
    AuditRecord,
    Display,
    EditorialAction,
    Entry,
    EntryState,
    Explanation,
    StoredEntry,
)

_WHERE = "in its title, excerpt or categories"


@dataclass(frozen=True, slots=True, kw_only=True)
class Survey:
    """Every stored entry's place in the combined feed, and what decided it.

    ``placed`` is every stored entry of the configured sources, newest first. ``groups``
    holds, per post, the copies that passed their filters (the merge the publisher
    makes), the winner first. ``selection`` is the combined feed as published.
    ``homepages`` are the configured ones that decided whose own site a link is on;
    ``posts`` which post each entry is a copy of (reposts included).
    """

    placed: tuple[StoredEntry, ...]
    by_key: Mapping[EntryKey, StoredEntry]
    groups: Mapping[PostKey, tuple[Entry, ...]]
    selection: tuple[Entry, ...]
    pinned_posts: frozenset[PostKey]
    limit: int
    homepages: Homepages
    posts: Posts

    def copies(self, entry: Entry) -> tuple[StoredEntry, ...]:
        """Every stored copy of ``entry``'s post: the shown (or winning) one first."""
        post = self.posts.key(entry)
        copies = [placed for placed in self.placed if self.posts.key(placed.entry) == post]
        first = {entry_key(e): n for n, e in enumerate(self.groups.get(post, ()))}
        return tuple(sorted(copies, key=lambda c: first.get(entry_key(c.entry), len(first))))

    def position(self, entry: Entry) -> int | None:
        """The entry's place in the combined feed (1 = top), or None when not in it."""
        keys = [entry_key(shown) for shown in self.selection]
        key = entry_key(entry)
        return keys.index(key) + 1 if key in keys else None


def take_survey(
    stored: Sequence[Entry],
    sources: Sequence[SourceConfig],
    selection: Sequence[Entry],
    marks: EditorialMarks,
    limit: int,
    *,
    reposts: float | None = REPOST_SIMILARITY,
) -> Survey:
    """Place every stored entry, given the combined feed the publisher selected.

    ``stored`` holds the entries of every configured source, disabled ones included;
    ``selection`` is ``_select.combined_selection`` over the active sources' entries,
    with the same ``reposts`` threshold.
    """
    active = [source for source in sources if source.enabled]
    active_keys = {source.key for source in active}
    live = [entry for entry in stored if entry.source_key in active_keys]
    kept = kept_entries(live, active)
    passed = {entry_key(entry) for entry in kept}
    homepages = configured_homepages(active)
    posts = find_posts(live, reposts=reposts)
    merged = merge_duplicates(kept, homepages, posts)
    groups = {post: tuple(group) for post, group in merged.items()}
    shown = {entry_key(entry): entry for entry in selection}
    hidden_live, hidden_any = _hidden(live, marks, posts), _hidden(stored, marks, posts)
    placed = []
    for entry in stored:
        post = posts.key(entry)
        key = entry_key(entry)
        if post in (hidden_live if entry.source_key in active_keys else hidden_any):
            state, text = EntryState.HIDDEN, "hidden"
        elif entry.source_key not in active_keys:
            state, text = EntryState.DISABLED, "partner disabled"
        elif key not in passed:
            state, text = EntryState.FILTERED, "filtered out"
        elif key in shown:
            state = EntryState.PINNED if shown[key].pinned else EntryState.PUBLISHED
            text = state.value
        elif entry_key(winner := groups[post][0]) != key:
            state, text = EntryState.MERGED, f"merged into {ref_of(winner)}"
        else:
            state, text = EntryState.OLDER, f"beyond the newest {limit}"
        placed.append(StoredEntry(ref=ref_of(entry), entry=entry, state=state, state_text=text))
    return Survey(
        placed=tuple(placed),
        by_key={entry_key(p.entry): p for p in placed},
        groups=groups,
        selection=tuple(selection),
        pinned_posts=frozenset(posts.key(e) for e in live if entry_key(e) in marks.pinned),
        limit=limit,
        homepages=homepages,
        posts=posts,
    )


def _hidden(entries: Iterable[Entry], marks: EditorialMarks, posts: Posts) -> frozenset[PostKey]:
    return frozenset(posts.key(e) for e in entries if entry_key(e) in marks.hidden)


def explain(
    target: StoredEntry,
    survey: Survey,
    sources: Sequence[SourceConfig],
    audit: Sequence[AuditRecord],
) -> Explanation:
    """Explain ``target``: its verdict, then sources, filters, duplicates, marks, excerpt."""
    by_key = {source.key: source for source in sources}
    copies = survey.copies(target.entry)
    lines = [_verdict(target, survey)]
    lines += _sources(copies)
    for copy in copies:
        lines.append(_filters(copy.entry, by_key[copy.entry.source_key]))
    lines += _merge(target.entry, survey)
    lines += _marks(copies, survey, audit)
    lines += _position(target, survey)
    lines.append(_excerpt(target.entry))
    return Explanation(entry=target, copies=copies, lines=tuple(lines))


def _quoted(entry: Entry) -> str:
    return f"{quote(entry.title)} ({ref_of(entry)})"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _verdict(target: StoredEntry, survey: Survey) -> str:
    entry = target.entry
    if target.state is EntryState.PINNED:
        return f"{_quoted(entry)} is in the combined feed, pinned at the top."
    if target.in_feed:
        return f"{_quoted(entry)} is in the combined feed."
    if target.state is EntryState.MERGED:
        winner = survey.copies(entry)[0]
        shown = "is" if winner.in_feed else "is not"
        return (
            f"{_quoted(entry)} is not in the combined feed itself: it is merged into the "
            f"copy from {winner.entry.attribution.name} ({winner.ref}), which {shown}."
        )
    reasons = {
        EntryState.HIDDEN: "an editor hid it",
        EntryState.DISABLED: "its partner is disabled",
        EntryState.FILTERED: "its partner's filters leave it out",
        EntryState.OLDER: f"it is older than the newest {survey.limit} posts",
    }
    return f"{_quoted(entry)} is not in the combined feed: {reasons[target.state]}."


def _sources(copies: Sequence[StoredEntry]) -> list[str]:
    def described(copy: StoredEntry) -> str:
        entry = copy.entry
        return (
            f"{entry.attribution.name} ({copy.ref}), from the feed {entry.attribution.feed_url}, "
            f"published {_when(entry.published)}"
        )

    if len(copies) == 1:
        return [f"Source: {described(copies[0])}."]
    links = list(dict.fromkeys(copy.entry.link for copy in copies))
    if len(links) == 1:
        return [f"The same post (the link {links[0]}) came from {len(copies)} partners:"] + [
            f"  - {described(copy)}" for copy in copies
        ]
    return [f"The same post came from {len(copies)} partners, under {len(links)} links:"] + [
        f"  - {described(copy)}, at {copy.entry.link or 'no link'}" for copy in copies
    ]


def _filters(entry: Entry, source: SourceConfig) -> str:
    name = source.name
    if not source.enabled:
        return f"{name} is disabled (enabled = false in the config): none of its posts is used."
    if not source.include and not source.exclude:
        return f"{name}'s filters: none set, so all its posts pass."
    verdict = filter_verdict(entry, source.include, source.exclude)
    if verdict.excluded is not None:
        return f"{name}'s filters: left out, the exclude word “{verdict.excluded}” is {_WHERE}."
    if not verdict.kept:
        words = ", ".join(f"“{word}”" for word in source.include)
        return f"{name}'s filters: left out, none of the include words ({words}) is {_WHERE}."
    found = (
        f"the include word “{verdict.included}” is {_WHERE}"
        if verdict.included is not None
        else f"it has none of the exclude words ({', '.join(source.exclude)})"
    )
    return f"{name}'s filters: passed, {found}."


def _merge(entry: Entry, survey: Survey) -> list[str]:
    group = survey.groups.get(survey.posts.key(entry), ())
    if entry_key(entry) not in {entry_key(member) for member in group}:
        return []  # left out before merging (disabled or filtered)
    if len(group) < 2:
        return ["No other partner's copy of this post was merged with it."]
    winner, runner_up = group[0], group[1]
    own = survey.homepages
    if is_publishers_own(winner, own) and not is_publishers_own(runner_up, own):
        host = urlsplit(winner.link or "").hostname
        why = f"its link is on {winner.attribution.name}'s own site ({host})"
    elif winner.published < runner_up.published:
        why = f"it was published first ({_when(winner.published)})"
    else:
        why = "the copies tie, and its source key comes first"
    line = (
        f"The {len(group)} copies that passed their filters are merged into one entry, the "
        f"copy from {winner.attribution.name} ({ref_of(winner)}), because {why}."
    )
    shown = {entry_key(e): e for e in survey.selection}.get(entry_key(winner))
    if shown is not None and shown.also_via:
        names = ", ".join(attribution.name for attribution in shown.also_via)
        line += f" It credits the others too: also via {names}."
    return [line, *_reposts(entry, group, survey.posts.threshold)]


def _reposts(entry: Entry, group: Sequence[Entry], threshold: float | None) -> list[str]:
    """Why copies under other links are the same post: how alike each is to ``entry``."""
    if threshold is None:
        return []
    lines = []
    for other in group:
        if duplicate_key(other) == duplicate_key(entry):
            continue
        score = similarity(entry, other)
        what = f"{other.attribution.name}'s copy ({ref_of(other)}, at {other.link or 'no link'})"
        if score is not None and score >= threshold:
            lines.append(
                f"{what} has another link but the same text: a repost. Their words are "
                f"{score:.2f} alike (the share of their fingerprints that agree), at least "
                f"the {threshold:.2f} set by [output] repost_similarity."
            )
        else:
            alike = "" if score is None else f" (only {score:.2f} alike to this one)"
            lines.append(
                f"{what} is merged as a repost through another copy it is alike to{alike}."
            )
    return lines


def _marks(
    copies: Sequence[StoredEntry], survey: Survey, audit: Sequence[AuditRecord]
) -> list[str]:
    keys = {entry_key(copy.entry) for copy in copies}
    latest: Mapping[EditorialAction, AuditRecord] = {
        record.action: record for record in audit if (record.source_key, record.entry_id) in keys
    }
    lines = []
    if any(copy.state is EntryState.HIDDEN for copy in copies):
        hide = latest.get(EditorialAction.HIDE)
        hidden = "Hidden" + (_record(hide) if hide else " by an editor")
        lines.append(
            f"{hidden}: it is left out of every output (combined, partner and tag feeds, "
            "web pages)."
        )
    pin = latest.get(EditorialAction.PIN)
    unpin = latest.get(EditorialAction.UNPIN)
    if pin is not None and (unpin is None or unpin.at < pin.at):
        lines.append(f"Pinned{_record(pin)}: it stays at the top of the feeds until unpinned.")
    return lines or ["Not hidden or pinned by an editor."]


def _record(record: AuditRecord) -> str:
    by = f" by {record.by}" if record.by else ""
    reason = f", reason: “{record.reason}”" if record.reason else ""
    return f" on {_when(record.at)}{by}{reason}"


def _position(target: StoredEntry, survey: Survey) -> list[str]:
    position = survey.position(target.entry)
    if position is not None:
        return [
            f"It is number {position} of the {len(survey.selection)} entries in the combined "
            f"feed, which holds at most {survey.limit} ([output] max_entries; pinned posts "
            "come first and are never cut)."
        ]
    if target.state is EntryState.OLDER:
        return [
            f"It is not among the newest {survey.limit} posts ([output] max_entries), so it "
            "has dropped out of the combined feed."
        ]
    return []


def _excerpt(entry: Entry) -> str:
    display = entry.attribution.display
    words = len(html_to_text(entry.content_html).split())
    if display is Display.HEADLINE:
        return 'Only its title and the credit are republished (display = "headline").'
    if display is Display.FULL:
        return f'The whole post is republished ({words:,} words; display = "full").'
    if not words:
        return "The post has no text: only its title and the credit are shown."
    shown = len(entry.excerpt.split())
    if shown < words:
        return (
            f"The excerpt is the first {shown:,} of the post's {words:,} words, cut at a "
            "word boundary."
        )
    return f"The excerpt is the whole post ({words:,} words)."
