//! The per-thread report: one [`Report`] value built from a thread, its
//! analyses and its chains, rendered as Markdown ([`markdown`]), JSON
//! ([`json`]), HTML ([`html`]) and Graphviz DOT ([`dot`]); research CSVs in
//! [`csv`].
//!
//! The `Report` is the JSON wire type (documented in
//! `docs/report-schema.md`, versioned by [`SCHEMA_VERSION`]); the other
//! renderers read the same value, so all formats agree. Nothing here runs
//! a detector: findings come in through [`ThreadAnalysis`].

pub mod csv;
pub mod dot;
pub mod html;
pub mod json;
pub mod markdown;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::chains::{self, ChainAnalysis};
use crate::analysis::{Category, CategorySet, Finding, ThreadAnalysis};
use crate::graph::Node;
use crate::model::Thread;

/// Version of the JSON report layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Columns of the participants table in the Markdown and HTML reports.
pub const PARTICIPANT_COLUMNS: [&str; 6] =
    ["author", "comments", "replies received", "hostile", "pushback given", "pushback received"];

/// Characters kept in excerpts.
pub const EXCERPT_CHARS: usize = 100;

/// Everything one thread's report says. It borrows the thread and its
/// analysis for the per-comment part ([`Comments`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report<'a> {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Where the thread came from and what it is about.
    pub thread: ThreadInfo,
    /// Headline counts.
    pub summary: Summary,
    /// Shape, chains, exchanges and the author graph.
    pub chains: ChainAnalysis,
    /// Hostile comments grouped by category, categories in
    /// [`Category`] order, comments by score (highest first) then display order.
    pub hostile: Vec<HostileGroup>,
    /// Pushback comments in display order, built as they are read.
    pub pushback: PushbackEvents<'a>,
    /// Authors ranked by comments written (then name), at most 5.
    pub most_active: Vec<String>,
    /// Authors with hostile comments ranked by their count (then name), at most 5.
    pub most_hostile: Vec<String>,
    /// The reader's diagnostics, in input order.
    pub diagnostics: Vec<DiagnosticOut>,
    /// Every comment, index = comment index.
    pub comments: Comments<'a>,
}

/// Where a thread came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThreadInfo {
    /// Thread id as in exports.
    pub id: String,
    /// Input path.
    pub path: String,
    /// Input format name.
    pub format: String,
    /// Title, when known.
    pub title: Option<String>,
    /// Post author or byline, when known.
    pub author: Option<String>,
    /// Post date as written, when known.
    pub date: Option<String>,
    /// The `url` metadata field, when present.
    pub url: Option<String>,
}

/// Headline counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Comments, stand-ins included.
    pub comments: usize,
    /// Distinct named authors.
    pub participants: usize,
    /// Hostile comments.
    pub hostile_comments: usize,
    /// Pushback comments.
    pub pushback_comments: usize,
    /// Exchanges.
    pub exchanges: usize,
    /// Exchanges that escalate.
    pub escalations: usize,
    /// Reader diagnostics.
    pub diagnostics: usize,
}

/// A pointer to a comment that reads on its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommentRef {
    /// Comment id.
    pub id: String,
    /// Author, `[unknown]` when not known.
    pub author: String,
    /// First source line (text inputs).
    pub line: Option<u64>,
}

/// Hostile comments of one category.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostileGroup {
    /// The category.
    pub category: Category,
    /// The comments with a counting finding of that category.
    pub comments: Vec<Flagged>,
}

/// One flagged comment with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Flagged {
    /// The comment.
    pub comment: CommentRef,
    /// Hostility score of the comment.
    pub score: f32,
    /// Matched words, in text order, deduplicated.
    pub matched: Vec<String>,
    /// Rules that fired, sorted, deduplicated.
    pub rules: Vec<String>,
    /// Short excerpt of the comment.
    pub excerpt: String,
}

/// One pushback comment and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PushbackEvent {
    /// The pushback comment.
    pub comment: CommentRef,
    /// Acts found, sorted.
    pub acts: Vec<Category>,
    /// Matched words, in text order, deduplicated.
    pub matched: Vec<String>,
    /// The comment pushed back on; `None` for the post.
    pub target: Option<CommentRef>,
    /// Excerpt of the claim pushed back on (the sentence the pushback
    /// analysis tied it to).
    pub claim: String,
    /// How the target supports the claim: `sourced`, `hedged` or
    /// `unsupported`; `None` when it makes no claim.
    pub support: Option<String>,
    /// What the claimant (the target's author) did next: `evidence_offered`,
    /// `restated`, `hostile`, `conceded`, `no_reply`.
    pub outcome: String,
    /// The claimant's reply that decided the outcome.
    pub reply: Option<CommentRef>,
}

/// A reader diagnostic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiagnosticOut {
    /// Line or record number.
    pub line: Option<u64>,
    /// Diagnostic kind (snake_case).
    pub kind: String,
    /// Message.
    pub message: String,
}

/// Every comment of a report, index = comment index, built on demand from
/// the thread and its analysis: a report holds no copy of the comments, so
/// a thread of a million comments costs its report little beyond the
/// thread itself. Serializes as the JSON array `comments`.
#[derive(Clone, Copy)]
pub struct Comments<'a> {
    thread: &'a Thread,
    analysis: &'a ThreadAnalysis,
}

impl<'a> Comments<'a> {
    /// Number of comments.
    pub fn len(&self) -> usize {
        self.thread.comments.len()
    }

    /// True when the thread has no comments.
    pub fn is_empty(&self) -> bool {
        self.thread.comments.is_empty()
    }

    /// The id of comment `c`, without building its record.
    pub fn id(&self, c: usize) -> &'a str {
        &self.thread.comments[c].id
    }

    /// The author of comment `c`, when known, without building its record.
    pub fn author(&self, c: usize) -> Option<&'a str> {
        self.thread.comments[c].author.as_deref()
    }

    /// Comment `c` with its flags. Panics when `c` is out of range, as
    /// indexing a slice does.
    pub fn get(&self, c: usize) -> CommentOut<'a> {
        comment_out(self.thread, self.analysis, c)
    }

    /// The comments in index order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = CommentOut<'a>> + 'a {
        let all = *self;
        (0..all.len()).map(move |c| all.get(c))
    }
}

/// Serialize (as a JSON array), `Debug` and `PartialEq` for a list built
/// on demand: through its `iter()` and `len()`, as if it were the `Vec`.
macro_rules! built_on_demand {
    ($t:ident) => {
        impl Serialize for $t<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.iter())
            }
        }

        impl std::fmt::Debug for $t<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_list().entries(self.iter()).finish()
            }
        }

        impl PartialEq for $t<'_> {
            fn eq(&self, other: &Self) -> bool {
                self.len() == other.len() && self.iter().eq(other.iter())
            }
        }
    };
}

built_on_demand!(Comments);

/// One comment with its flags, borrowed from the thread and its analysis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CommentOut<'a> {
    /// Comment id.
    pub id: &'a str,
    /// Parent comment id; `None` for replies to the post.
    pub parent_id: Option<&'a str>,
    /// Parent comment index (not serialized).
    #[serde(skip)]
    pub parent: Option<usize>,
    /// Author when known.
    pub author: Option<&'a str>,
    /// Depth (0 = top-level).
    pub depth: u32,
    /// First source line (text inputs).
    pub line: Option<u64>,
    /// Status name (`normal`, `deleted`, …).
    pub status: &'static str,
    /// Body text.
    pub text: &'a str,
    /// Hostile per the detector.
    pub hostile: bool,
    /// Hostility score.
    pub score: f32,
    /// Hostility categories that count, in category order.
    pub categories: CategorySet,
    /// Pushback per the detector.
    pub pushback: bool,
    /// Pushback acts, in category order.
    pub acts: CategorySet,
    /// All findings (hostility then pushback), sorted by start offset.
    pub findings: Vec<FindingOut<'a>>,
}

/// A finding as reported.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingOut<'a> {
    /// Category.
    pub category: Category,
    /// Rule id.
    pub rule: &'a str,
    /// Byte offset of the match in `text`.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// Matched text.
    pub matched: &'a str,
    /// Severity in `[0, 1]`.
    pub severity: f32,
    /// Counts against the author (not quoted, not a mention).
    pub counts: bool,
}

impl<'a> From<&'a Finding> for FindingOut<'a> {
    fn from(f: &'a Finding) -> FindingOut<'a> {
        FindingOut {
            category: f.category,
            rule: &f.rule,
            start: f.start,
            end: f.end,
            matched: &f.matched,
            severity: f.severity,
            counts: f.counts(),
        }
    }
}

/// Build the report of one thread. The report borrows the thread and the
/// analysis: its comments are read from them as it is rendered.
///
/// # Example
///
/// ```
/// use threadlens::analysis::ThreadAnalysis;
/// use threadlens::read::{read_bytes, Format};
/// use threadlens::report;
///
/// let csv = "id,parent_id,author,text\n1,,ann,a\n2,1,bob,b\n3,2,ann,c\n";
/// let t = &read_bytes(csv.as_bytes(), "x.csv", Format::Csv)?[0];
/// let analysis = ThreadAnalysis::default();
/// let r = report::build(t, &analysis);
/// assert_eq!(r.comments.get(2).parent_id, Some("2"));
/// assert_eq!(r.summary.exchanges, 1);
/// let mut md = Vec::new();
/// report::markdown::write_markdown(&r, &mut md)?;
/// assert!(String::from_utf8(md)?.contains("ann ↔ bob"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn build<'a>(thread: &'a Thread, analysis: &'a ThreadAnalysis) -> Report<'a> {
    let chains = chains::analyze(thread, analysis);
    let n = thread.comments.len();
    let comments = Comments { thread, analysis };
    let hostile = hostile_groups(thread, analysis, comments);
    let pushback = pushback_events(analysis, comments);

    let mut active: Vec<&chains::AuthorStats> = chains.authors.authors.iter().collect();
    active.sort_by(|a, b| b.comments.cmp(&a.comments).then_with(|| a.name.cmp(&b.name)));
    let most_active = active.iter().take(5).map(|a| a.name.clone()).collect();
    active.retain(|a| a.hostile_comments > 0);
    active.sort_by(|a, b| b.hostile_comments.cmp(&a.hostile_comments).then_with(|| a.name.cmp(&b.name)));
    let most_hostile = active.iter().take(5).map(|a| a.name.clone()).collect();

    let diagnostics: Vec<DiagnosticOut> = thread
        .diagnostics
        .iter()
        .map(|d| DiagnosticOut {
            line: d.line,
            kind: serde_json::to_value(d.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            message: d.message.clone(),
        })
        .collect();
    let summary = Summary {
        comments: n,
        participants: chains.shape.participants,
        hostile_comments: (0..n).filter(|&c| is_hostile(analysis, c)).count(),
        pushback_comments: (0..n).filter(|&c| is_pushback(analysis, c)).count(),
        exchanges: chains.exchanges.len(),
        escalations: chains.exchanges.iter().filter(|e| e.escalation.is_some()).count(),
        diagnostics: diagnostics.len(),
    };
    let post = &thread.post;
    Report {
        schema_version: SCHEMA_VERSION,
        thread: ThreadInfo {
            id: thread.display_id(),
            path: thread.source.path.clone(),
            format: thread.source.format.name().to_string(),
            title: post.title.clone(),
            author: post.author.clone(),
            date: post.date.clone(),
            url: post.metadata.get("url").cloned(),
        },
        summary,
        chains,
        hostile,
        pushback,
        most_active,
        most_hostile,
        diagnostics,
        comments,
    }
}

impl Report<'_> {
    /// A reference to comment `c`.
    pub fn comment_ref(&self, c: usize) -> CommentRef {
        comment_ref(self.comments.thread, c)
    }

    /// The participants table: the most hostile authors, then the most
    /// active ones not already listed; cells in [`PARTICIPANT_COLUMNS`] order.
    pub fn participant_rows(&self) -> Vec<[String; 6]> {
        let mut names: Vec<&String> = self.most_hostile.iter().collect();
        for a in &self.most_active {
            if !names.contains(&a) {
                names.push(a);
            }
        }
        names
            .into_iter()
            .filter_map(|name| self.chains.authors.authors.iter().find(|a| &a.name == name))
            .map(|a| {
                [
                    a.name.clone(),
                    a.comments.to_string(),
                    a.replies_received.to_string(),
                    a.hostile_comments.to_string(),
                    a.pushback_given.to_string(),
                    a.pushback_received.to_string(),
                ]
            })
            .collect()
    }

    /// Exchanges ranked longest first (ties keep display order).
    pub fn ranked_exchanges(&self) -> Vec<&chains::Exchange> {
        let mut ranked: Vec<_> = self.chains.exchanges.iter().collect();
        ranked.sort_by_key(|e| std::cmp::Reverse(e.comments.len()));
        ranked
    }

    /// The title, or the thread id when there is none.
    pub fn title(&self) -> &str {
        self.thread.title.as_deref().unwrap_or(&self.thread.id)
    }
}

fn is_hostile(analysis: &ThreadAnalysis, c: usize) -> bool {
    analysis.hostility.get(c).is_some_and(|h| h.hostile)
}

fn is_pushback(analysis: &ThreadAnalysis, c: usize) -> bool {
    analysis.pushback.comments.get(c).is_some_and(|p| p.pushback)
}

fn comment_out<'a>(thread: &'a Thread, analysis: &'a ThreadAnalysis, c: usize) -> CommentOut<'a> {
    let com = &thread.comments[c];
    let h = analysis.hostility.get(c);
    let p = analysis.pushback.comments.get(c);
    let mut findings: Vec<FindingOut> = h
        .into_iter()
        .flat_map(|h| h.findings.iter())
        .chain(p.into_iter().flat_map(|p| p.findings.iter()))
        .map(FindingOut::from)
        .collect();
    findings.sort_by_key(|f| (f.start, f.end));
    CommentOut {
        id: &com.id,
        parent_id: com.parent.and_then(|p| thread.comments.get(p)).map(|p| p.id.as_str()),
        parent: match thread.graph.parent(c) {
            Node::Comment(p) => Some(p),
            Node::Post => None,
        },
        author: com.author.as_deref(),
        depth: thread.graph.depth(c),
        line: com.lines.map(|l| l.start),
        status: com.status.name(),
        text: &com.text,
        hostile: h.is_some_and(|h| h.hostile),
        score: h.map_or(0.0, |h| h.score),
        categories: h.map_or(CategorySet::default(), |h| h.categories),
        pushback: p.is_some_and(|p| p.pushback),
        acts: p.map_or(CategorySet::default(), |p| p.acts),
        findings,
    }
}

/// The counting findings' matched words, in text order, deduplicated
/// (case-insensitively), for findings that pass `keep`. A finding without
/// a text span (a model's verdict on the whole comment, whose `matched`
/// holds its explanation) is listed by its rule id instead.
fn matched_words(c: &CommentOut, keep: impl Fn(Category) -> bool) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    c.findings
        .iter()
        .filter(|f| f.counts && keep(f.category))
        .map(|f| if f.start < f.end { f.matched.to_string() } else { f.rule.to_string() })
        .filter(|w| seen.insert(w.to_lowercase()))
        .collect()
}

fn hostile_groups(thread: &Thread, analysis: &ThreadAnalysis, comments: Comments<'_>) -> Vec<HostileGroup> {
    let mut groups: BTreeMap<Category, Vec<(usize, Flagged)>> = BTreeMap::new();
    for i in (0..comments.len()).filter(|&i| is_hostile(analysis, i)) {
        let c = comments.get(i);
        let mut cats: Vec<Category> =
            c.findings.iter().filter(|f| f.counts && f.category.is_hostile()).map(|f| f.category).collect();
        cats.extend(c.categories.iter().filter(|k| k.is_hostile()));
        cats.sort();
        cats.dedup();
        for cat in cats {
            let mut rules: Vec<String> =
                c.findings.iter().filter(|f| f.counts && f.category == cat).map(|f| f.rule.to_string()).collect();
            rules.sort();
            rules.dedup();
            let flagged = Flagged {
                comment: comment_ref(thread, i),
                score: c.score,
                matched: matched_words(&c, |k| k == cat),
                rules,
                excerpt: crate::cli::excerpt(c.text, EXCERPT_CHARS),
            };
            groups.entry(cat).or_default().push((i, flagged));
        }
    }
    groups
        .into_iter()
        .map(|(category, mut v)| {
            v.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
            HostileGroup { category, comments: v.into_iter().map(|(_, f)| f).collect() }
        })
        .collect()
}

fn comment_ref(thread: &Thread, c: usize) -> CommentRef {
    let com = &thread.comments[c];
    CommentRef { id: com.id.clone(), author: com.author_or_unknown().to_string(), line: com.lines.map(|l| l.start) }
}

/// The pushback events of a report, in display order, each built when a
/// renderer (or the JSON serializer) reaches it from the thread and its
/// analysis: a report holds an index per event, not the events' text.
/// Serializes as the JSON array `pushback`.
#[derive(Clone)]
pub struct PushbackEvents<'a> {
    comments: Comments<'a>,
    /// Indices into the analysis's events of the events reported.
    events: Vec<usize>,
}

impl PushbackEvents<'_> {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Event `k`. Panics when `k` is out of range, as indexing a slice does.
    pub fn get(&self, k: usize) -> PushbackEvent {
        pushback_event(self.comments, &self.comments.analysis.pushback.events[self.events[k]])
    }

    /// The events in display order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = PushbackEvent> + '_ {
        (0..self.len()).map(|k| self.get(k))
    }
}

built_on_demand!(PushbackEvents);

/// Pushback events as the pushback analysis decided them (target claim,
/// its support, the claimant's answer), with the report's comment
/// references and matched words. The report adds no judgment of its own,
/// so `flags`, exports and reports always agree.
fn pushback_events<'a>(analysis: &ThreadAnalysis, comments: Comments<'a>) -> PushbackEvents<'a> {
    let events = (analysis.pushback.events.iter().enumerate())
        .filter(|(_, e)| e.comment < comments.len() && is_pushback(analysis, e.comment))
        .map(|(k, _)| k)
        .collect();
    PushbackEvents { comments, events }
}

/// The report's record of one analysis event.
fn pushback_event(comments: Comments<'_>, e: &crate::analysis::pushback::PushbackEvent) -> PushbackEvent {
    let thread = comments.thread;
    let co = comments.get(e.comment);
    let target = e.target.comment.map(|p| comment_ref(thread, p));
    let claim = if e.target.sentence.is_empty() {
        match e.target.comment {
            Some(p) => thread.comments[p].text.as_str(),
            None => thread.post.paragraphs.first().map_or("", String::as_str),
        }
    } else {
        e.target.sentence.as_str()
    };
    PushbackEvent {
        comment: comment_ref(thread, e.comment),
        acts: co.acts.iter().collect(),
        matched: matched_words(&co, Category::is_pushback),
        target,
        claim: crate::cli::excerpt(claim, EXCERPT_CHARS),
        support: e.target.support.as_ref().map(|s| s.support.name().to_string()),
        outcome: e.outcome.name().to_string(),
        reply: e.reply.map(|k| comment_ref(thread, k)),
    }
}

/// `1 comment`, `2 comments`: a count with its noun (the renderers' wording).
pub(crate) fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// How a pushback's target supports its claim, in words: `claim sourced`,
/// `claim hedged`, `claim unsupported`, or `no claim found` when the
/// target makes none.
pub fn support_words(support: Option<&str>) -> String {
    support.map_or_else(|| "no claim found".to_string(), |s| format!("claim {s}"))
}

/// A post date for people: Unix seconds (as Reddit, Hacker News and
/// Pushshift give them, 9 to 11 digits) as `YYYY-MM-DD HH:MM UTC`; any
/// other date as written. The JSON report keeps the date as written.
pub fn readable_date(date: &str) -> String {
    let digits = (9..=11).contains(&date.len()) && date.bytes().all(|b| b.is_ascii_digit());
    let Some(secs) = date.parse::<i64>().ok().filter(|_| digits) else { return date.to_string() };
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", t / 3600, t % 3600 / 60)
}

/// Year, month and day of the day `days` after 1970-01-01 in the proleptic
/// Gregorian calendar (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// One line per thread and per-author totals across threads.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Corpus {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// One row per thread, in input order.
    pub threads: Vec<CorpusThread>,
    /// Per-author totals, sorted by name.
    pub authors: Vec<CorpusAuthor>,
}

/// One thread's line in the corpus summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CorpusThread {
    /// Thread id.
    pub id: String,
    /// Title, when known.
    pub title: Option<String>,
    /// Input path.
    pub path: String,
    /// Headline counts.
    pub summary: Summary,
    /// Largest depth.
    pub max_depth: u32,
}

/// One author's totals across threads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CorpusAuthor {
    /// Name.
    pub name: String,
    /// Threads the author wrote in.
    pub threads: usize,
    /// Comments written.
    pub comments: usize,
    /// Replies received from others.
    pub replies_received: usize,
    /// Hostile comments.
    pub hostile_comments: usize,
    /// Pushback given.
    pub pushback_given: usize,
    /// Pushback received.
    pub pushback_received: usize,
}

/// Summarize many reports.
pub fn corpus(reports: &[Report]) -> Corpus {
    let mut authors: BTreeMap<&str, CorpusAuthor> = BTreeMap::new();
    for r in reports {
        for a in &r.chains.authors.authors {
            let t =
                authors.entry(&a.name).or_insert_with(|| CorpusAuthor { name: a.name.clone(), ..Default::default() });
            t.threads += 1;
            t.comments += a.comments;
            t.replies_received += a.replies_received;
            t.hostile_comments += a.hostile_comments;
            t.pushback_given += a.pushback_given;
            t.pushback_received += a.pushback_received;
        }
    }
    Corpus {
        schema_version: SCHEMA_VERSION,
        threads: reports
            .iter()
            .map(|r| CorpusThread {
                id: r.thread.id.clone(),
                title: r.thread.title.clone(),
                path: r.thread.path.clone(),
                summary: r.summary.clone(),
                max_depth: r.chains.shape.max_depth,
            })
            .collect(),
        authors: authors.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::hostility::CommentHostility;
    use crate::read::{read_bytes, Format};

    #[test]
    fn unix_seconds_read_as_dates() {
        for (given, shown) in [
            ("1503956497", "2017-08-28 21:41 UTC"),
            ("951782400", "2000-02-29 00:00 UTC"),
            ("4102444799", "2099-12-31 23:59 UTC"),
            ("100000000", "1973-03-03 09:46 UTC"),
            ("2017-08-28T21:41:37Z", "2017-08-28T21:41:37Z"),
            ("3 hours ago", "3 hours ago"),
            ("12345", "12345"),
            ("99999999999", "5138-11-16 09:46 UTC"),
            ("", ""),
        ] {
            assert_eq!(readable_date(given), shown, "{given}");
        }
    }

    #[test]
    fn comments_are_read_from_the_thread() {
        let csv = "id,parent_id,author,text\n1,,ann,You idiot.\n2,1,,Source?\n3,9,bob,c\n";
        let t = read_bytes(csv.as_bytes(), "c.csv", Format::Csv).unwrap().remove(0);
        let an = crate::analysis::analyze(&t);
        let r = build(&t, &an);
        assert_eq!(r.comments.len(), t.comments.len());
        for (c, out) in r.comments.iter().enumerate() {
            assert_eq!((r.comments.id(c), r.comments.author(c)), (out.id, out.author));
            assert_eq!(out.text, t.comments[c].text);
        }
        let first = r.comments.get(0);
        assert!(first.hostile && first.findings.iter().any(|f| f.matched == "idiot"));
        assert_eq!(r.comments.get(1).parent_id, Some("1"));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["comments"].as_array().map(Vec::len), Some(t.comments.len()));
        assert_eq!(json["comments"][1]["acts"][0], "evidence_request");
    }

    #[test]
    fn pushback_events_mirror_the_analysis() {
        let csv = "id,parent_id,author,text\n\
            1,,bob,Rents will fall 10%.\n\
            2,1,alice,Source?\n\
            3,2,bob,Here: https://example.org/minutes\n\
            4,1,carol,That is not true.\n\
            5,4,dave,agree\n\
            6,5,bob,you idiot\n\
            7,,erin,The sky is green.\n\
            8,7,frank,Prove it. Where is your source?\n\
            9,8,erin,It just is.\n";
        let t = read_bytes(csv.as_bytes(), "p.csv", Format::Csv).unwrap().remove(0);
        let mut hostility = vec![CommentHostility::default(); t.comments.len()];
        hostility[5].hostile = true;
        let an = ThreadAnalysis { pushback: crate::analysis::pushback::analyze(&t, &hostility), hostility };
        let r = build(&t, &an);
        let from_analysis: Vec<(String, Option<String>, String, Option<String>)> = an
            .pushback
            .events
            .iter()
            .filter(|e| an.pushback.comments[e.comment].pushback)
            .map(|e| {
                (
                    t.comments[e.comment].id.clone(),
                    e.target.id.clone(),
                    e.outcome.name().to_string(),
                    e.reply.map(|k| t.comments[k].id.clone()),
                )
            })
            .collect();
        let in_report: Vec<(String, Option<String>, String, Option<String>)> = r
            .pushback
            .iter()
            .map(|p| {
                (
                    p.comment.id.clone(),
                    p.target.as_ref().map(|c| c.id.clone()),
                    p.outcome.clone(),
                    p.reply.as_ref().map(|c| c.id.clone()),
                )
            })
            .collect();
        assert_eq!(in_report, from_analysis);
        // "Source?" is answered by the claimant with a link.
        let source = r.pushback.iter().find(|p| p.comment.id == "2").expect("evidence request reported");
        assert_eq!(source.target.as_ref().map(|c| c.id.as_str()), Some("1"));
        assert_eq!(
            (source.outcome.as_str(), source.reply.as_ref().map(|c| c.id.as_str())),
            ("evidence_offered", Some("3"))
        );
    }
}
