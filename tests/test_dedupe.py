from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import feedparser
from hypothesis import given
from hypothesis import strategies as st

import copro_feeds
from copro_feeds._dedupe import (
    SAME_LINK_ONLY,
    _rows_per_band,
    find_posts,
    homepages_of,
    is_claimed,
    merge_duplicates,
    newest_first,
    one_per_post,
    similarity,
    unique_by_id,
    with_joint_credit,
)
from copro_feeds._filter import first_match, passes_filters
from tests.factories import attribution, entry

NONE = homepages_of({})  # no homepage configured
BASE = datetime(2026, 1, 1, tzinfo=UTC)


def select_for_publishing(entries, limit):
    """The newest ``limit`` posts, one entry per post (what a feed without marks holds)."""
    return newest_first(one_per_post(entries, NONE))[:limit]


def test_cross_posted_entry_appears_once_earliest_wins():
    original = entry(id="a", attribution=attribution("scope"), published=BASE)
    repost = entry(
        id="b",
        attribution=attribution("scottish"),
        published=BASE + timedelta(days=1),
    )
    other = entry(id="c", link="https://scope.example/other/", published=BASE + timedelta(days=2))
    selected = select_for_publishing([repost, other, original], limit=10)
    assert [e.id for e in selected] == ["c", "a"]
    assert selected[1].source_key == "scope"


def test_entries_without_links_are_never_merged():
    a = entry(id="a", link=None)
    b = entry(id="b", link=None)
    assert len(select_for_publishing([a, b], limit=10)) == 2


def test_limit_keeps_the_newest():
    entries = [
        entry(id=str(i), link=f"https://s.example/{i}", published=BASE + timedelta(hours=i))
        for i in range(10)
    ]
    assert [e.id for e in select_for_publishing(entries, limit=3)] == ["9", "8", "7"]


def test_unique_by_id_keeps_first():
    first = entry(id="x", title="first")
    assert unique_by_id([first, entry(id="x", title="second")]) == [first]


entry_strategy = st.builds(
    lambda i, link, source, hours: entry(
        id=f"id{i}",
        link=f"https://s.example/{link}" if link is not None else None,
        attribution=attribution(source),
        published=BASE + timedelta(hours=hours),
        updated=BASE + timedelta(hours=hours),
    ),
    st.integers(0, 20),
    st.one_of(st.none(), st.integers(0, 5)),
    st.sampled_from(["scope", "cfwr", "scottish"]),
    st.integers(0, 100),
)


@given(st.lists(entry_strategy, max_size=30), st.randoms(), st.integers(1, 40))
def test_selection_is_idempotent_and_order_independent(entries, rng, limit):
    entries = unique_by_id(entries)  # the store holds one entry per (source, id)
    once = select_for_publishing(entries, limit)
    shuffled = list(entries)
    rng.shuffle(shuffled)
    assert select_for_publishing(shuffled, limit) == once
    assert select_for_publishing(once, limit) == once
    links = [e.link for e in once if e.link]
    assert len(links) == len(set(links))


def test_filters_match_title_excerpt_and_categories_case_insensitively():
    post = entry(title="Co-Production in Wales", excerpt="We are hiring", categories=("Jobs",))
    assert passes_filters(post, include=("co-production",), exclude=())
    assert not passes_filters(post, include=("housing",), exclude=())
    assert not passes_filters(post, include=(), exclude=("HIRING",))
    assert not passes_filters(post, include=("co-production",), exclude=("jobs",))
    assert first_match(post, ("x", "wales")) == "wales"


def test_the_partner_whose_site_the_link_is_on_wins_over_a_backdated_copy():
    original = entry(id="a", link="https://www.scope.example/post", published=BASE)
    copy = entry(
        id="b", link="https://www.scope.example/post", attribution=attribution("copier"),
        published=BASE - timedelta(days=3),
    )  # fmt: skip
    assert [e.source_key for e in select_for_publishing([copy, original], 10)] == ["scope"]
    # Neither on its own site (a third-party link): the earliest published wins.
    a = entry(id="a", link="https://news.example/x", published=BASE)
    b = entry(id="b", link="https://news.example/x", attribution=attribution("other"),
              published=BASE - timedelta(days=1))  # fmt: skip
    assert [e.source_key for e in select_for_publishing([a, b], 10)] == ["other"]


def test_the_winner_credits_each_other_partner_once_in_group_order():
    link = "https://news.example/x"
    group = [
        entry(id="a", link=link, attribution=attribution("scope"), published=BASE),
        entry(id="b", link=link, attribution=attribution("cfwr"), published=BASE + timedelta(1)),
        entry(id="c", link=link, attribution=attribution("scope"), published=BASE + timedelta(2)),
        entry(id="d", link=link, attribution=attribution("scn"), published=BASE + timedelta(3)),
    ]
    (merged,) = merge_duplicates(reversed(group), NONE).values()
    assert merged == group
    winner = with_joint_credit(merged)
    assert winner.id == "a"
    assert [a.source_key for a in winner.also_via] == ["cfwr", "scn"]
    assert with_joint_credit([winner]) is winner  # a group of one is left as it is
    # Credits already on a winner are kept (selecting a selection changes nothing).
    again = with_joint_credit([winner, entry(id="e", link=link, attribution=attribution("x"))])
    assert [a.source_key for a in again.also_via] == ["cfwr", "scn", "x"]
    assert [e.also_via for e in one_per_post([group[0]], NONE)] == [()]


# -- issue 10 item 6: nobody's credit taken ---------------------------------------------

VICTIM_POST = "https://victim.example/blog/our-guide/"


def _copies(thief_home: str, *, victim_configured: bool):
    """The victim's post and a thief's backdated copy; the thief declares ``thief_home``."""
    victim = entry(
        id="v",
        attribution=attribution("victim"),
        link=VICTIM_POST,
        published=BASE + timedelta(days=3),
    )
    thief = entry(
        id="t",
        attribution=attribution("thief", name="Thief", homepage=thief_home),
        link=VICTIM_POST,
        published=BASE,  # backdated: earliest would win
    )
    homepages = homepages_of({"victim": "https://victim.example/"} if victim_configured else {})
    return [thief, victim], homepages


def test_a_feed_claiming_a_configured_homepage_never_takes_the_credit():
    entries, homepages = _copies("https://victim.example/", victim_configured=True)
    (winner,) = one_per_post(entries, homepages)
    assert winner.source_key == "victim"
    assert [credit.source_key for credit in winner.also_via] == ["thief"]


def test_a_feed_claiming_its_own_exact_host_of_another_configured_site_is_refused():
    entries, homepages = _copies("https://www.victim.example/", victim_configured=True)
    (winner,) = one_per_post(entries, homepages)
    assert winner.source_key == "victim"


def test_a_declared_parent_domain_claims_nothing():
    entries, _ = _copies("https://example/", victim_configured=False)
    (winner,) = one_per_post(entries, NONE)
    assert winner.source_key == "victim"  # its declared host is the link's exact host


def test_a_configured_homepage_outranks_an_identical_declared_one():
    entries, _ = _copies("https://victim.example/", victim_configured=False)
    homepages = homepages_of({"victim": "https://victim.example/"})
    assert one_per_post(entries, homepages)[0].source_key == "victim"
    # Without the configuration both declare the host and the earlier (thief) copy wins:
    # that is why feeds.toml's homepage matters, and the docs say to set it.
    assert one_per_post(entries, NONE)[0].source_key == "thief"


def test_a_configured_homepage_claims_its_subdomains_a_declared_one_does_not():
    post = "https://blog.partner.example/p/1/"
    own = entry(
        id="o", attribution=attribution("partner"), link=post, published=BASE + timedelta(1)
    )
    early = entry(id="e", attribution=attribution("other"), link=post, published=BASE)
    assert (
        one_per_post([own, early], homepages_of({"partner": "https://partner.example/"}))[0].id
        == "o"
    )
    assert one_per_post([own, early], NONE)[0].id == "e"  # declared: exact host only


def test_the_thiefs_credit_never_links_to_the_victims_homepage(project):
    server = project.server
    server.serve(
        "/thief.xml",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Thief</title>'
        b"<link>https://scope.test/</link><item><title>Our guide</title>"
        b"<link>https://scope.test/blog/cost-of-living-guide/</link><guid>t1</guid>"
        b"<pubDate>Mon, 02 Feb 2026 09:30:00 +0000</pubDate>"
        b"<description>Copied.</description></item></channel></rss>",
    )
    text = project.config_path.read_text()
    project.config_path.write_text(
        text + f'\n[[sources]]\nname = "Thief"\nurl = "{server.url("/thief.xml")}"\n'
    )
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        aggregator.run_once()
        shown = aggregator.entries()
    guide = [e for e in shown if e.link == "https://scope.test/blog/cost-of-living-guide/"]
    assert [e.attribution.name for e in guide] == ["Scope"]
    thief = next(c for c in guide[0].also_via if c.name == "Thief")
    assert thief.homepage == server.url("/")  # the feed's own site, not scope.test
    published = feedparser.parse(str(project.public / "atom.xml"))
    (copy,) = [e for e in published.entries if e.link == guide[0].link]
    assert copy.source.title == "Scope"


def test_homepages_find_claimants_by_host_and_parent_sites():
    homepages = homepages_of(
        {"a": "https://www.a.example/", "b": "https://b.example/x", "c": "https://a.example/"}
    )
    assert homepages.claimants("https://blog.a.example/p") == {"a", "c"}
    assert homepages.claimants("https://b.example/") == {"b"}
    assert homepages.claimants("https://example/") == frozenset()  # a parent claims nothing
    assert homepages.claimants(None) == frozenset()
    assert is_claimed("https://a.example/", homepages, besides="a")  # c claims it too
    assert not is_claimed("https://b.example/", homepages, besides="b")


# -- reposts: the same text under another partner's link ---------------------------------

SIGNATURE = tuple(range(128))


def alike(share: float) -> tuple[int, ...]:
    """A fingerprint agreeing with SIGNATURE in at least ``share`` of its places."""
    same = math.ceil(share * len(SIGNATURE))
    return SIGNATURE[:same] + tuple(10_000 + n for n in range(len(SIGNATURE) - same))


def reposted(key: str, fingerprint: tuple[int, ...], hours: int = 0, **overrides):
    return entry(
        id=f"{key}-post",
        attribution=attribution(key),
        link=f"https://{key}.example/post/",
        published=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=hours),
        fingerprint=fingerprint,
        **overrides,
    )


def test_similarity_is_the_share_of_agreeing_places():
    assert similarity(reposted("a", SIGNATURE), reposted("b", alike(0.75))) == 0.75
    assert similarity(reposted("a", SIGNATURE), reposted("b", ())) is None
    assert similarity(reposted("a", SIGNATURE), reposted("b", SIGNATURE[:64])) is None


def test_reposts_at_the_threshold_are_one_post_the_original_first():
    original, repost = reposted("a", SIGNATURE), reposted("b", alike(0.8), hours=5)
    posts = find_posts([repost, original], reposts=0.8)
    assert posts.key(original) == posts.key(repost)
    [group] = merge_duplicates([repost, original], homepages_of({}), posts).values()
    assert [e.source_key for e in group] == ["a", "b"]
    [winner] = one_per_post([repost, original], homepages_of({}), posts)
    assert winner.source_key == "a"
    assert [credit.source_key for credit in winner.also_via] == ["b"]


def test_the_earliest_link_wins_even_against_a_configured_homepage():
    original, repost = reposted("a", SIGNATURE), reposted("b", SIGNATURE, hours=5)
    homepages = homepages_of({"b": "https://b.example/"})  # b's link is on b's own site
    posts = find_posts([original, repost], reposts=0.6)
    assert one_per_post([repost, original], homepages, posts)[0].source_key == "a"


def test_below_the_threshold_the_same_partner_or_none_asked_nothing_is_merged():
    assert find_posts([reposted("a", SIGNATURE), reposted("b", alike(0.7))], reposts=0.8).keys == {}
    mine = [
        reposted("a", SIGNATURE),
        entry(
            id="again",
            attribution=attribution("a"),
            link="https://a.example/2/",
            fingerprint=SIGNATURE,
        ),
    ]
    assert find_posts(mine, reposts=0.5).keys == {}  # a partner's own series stays apart
    assert (
        find_posts([reposted("a", SIGNATURE), reposted("b", SIGNATURE)], reposts=None)
        is SAME_LINK_ONLY
    )
    assert find_posts([reposted("a", ()), reposted("b", ())], reposts=0.5).keys == {}


def test_merging_is_transitive_and_order_free():
    own = tuple(30_000 + n for n in range(24))  # second and third agree here, not first
    first = reposted("a", SIGNATURE)
    second = reposted("b", SIGNATURE[:104] + own, hours=1)
    third = reposted("c", SIGNATURE[:80] + tuple(range(40_000, 40_024)) + own, hours=2)
    assert (
        similarity(first, third) < 0.75 <= min(similarity(first, second), similarity(second, third))
    )
    forward = find_posts([first, second, third], reposts=0.75)
    backward = find_posts([third, second, first], reposts=0.75)
    assert len({forward.key(e) for e in (first, second, third)}) == 1
    assert forward.keys == backward.keys


def test_same_link_copies_follow_their_link_into_a_repost_group():
    original = reposted("a", SIGNATURE)
    mirror = entry(id="m", attribution=attribution("m"), link=original.link, fingerprint=())
    repost = reposted("b", SIGNATURE, hours=3)
    posts = find_posts([original, mirror, repost], reposts=0.9)
    assert len({posts.key(e) for e in (original, mirror, repost)}) == 1


def test_banding_keeps_pairs_at_the_threshold_as_candidates():
    for threshold in (0.5, 0.6, 0.8, 0.95, 1.0):
        rows = _rows_per_band(128, threshold)
        assert 1 - (1 - threshold**rows) ** (128 // rows) >= 0.99
