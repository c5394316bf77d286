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
use crate::analysis::{Category, Finding, ThreadAnalysis};
use crate::graph::Node;
use crate::model::Thread;

/// Version of the JSON report layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Columns of the participants table in the Markdown and HTML reports.
pub const PARTICIPANT_COLUMNS: [&str; 6] =
    ["author", "comments", "replies received", "hostile", "pushback given", "pushback received"];

/// Characters kept in excerpts.
pub const EXCERPT_CHARS: usize = 100;

/// Everything one thread's report says.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
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
    /// Pushback comments in display order.
    pub pushback: Vec<PushbackEvent>,
    /// Authors ranked by comments written (then name), at most 5.
    pub most_active: Vec<String>,
    /// Authors with hostile comments ranked by their count (then name), at most 5.
    pub most_hostile: Vec<String>,
    /// The reader's diagnostics, in input order.
    pub diagnostics: Vec<DiagnosticOut>,
    /// Every comment, index = comment index.
    pub comments: Vec<CommentOut>,
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

/// One comment with its flags.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CommentOut {
    /// Comment id.
    pub id: String,
    /// Parent comment id; `None` for replies to the post.
    pub parent_id: Option<String>,
    /// Parent comment index (not serialized).
    #[serde(skip)]
    pub parent: Option<usize>,
    /// Author when known.
    pub author: Option<String>,
    /// Depth (0 = top-level).
    pub depth: u32,
    /// First source line (text inputs).
    pub line: Option<u64>,
    /// Status name (`normal`, `deleted`, …).
    pub status: String,
    /// Body text.
    pub text: String,
    /// Hostile per the detector.
    pub hostile: bool,
    /// Hostility score.
    pub score: f32,
    /// Hostility categories that count, sorted.
    pub categories: Vec<Category>,
    /// Pushback per the detector.
    pub pushback: bool,
    /// Pushback acts, sorted.
    pub acts: Vec<Category>,
    /// All findings (hostility then pushback), sorted by start offset.
    pub findings: Vec<FindingOut>,
}

/// A finding as reported.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingOut {
    /// Category.
    pub category: Category,
    /// Rule id.
    pub rule: String,
    /// Byte offset of the match in `text`.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// Matched text.
    pub matched: String,
    /// Severity in `[0, 1]`.
    pub severity: f32,
    /// Counts against the author (not quoted, not a mention).
    pub counts: bool,
}

impl From<&Finding> for FindingOut {
    fn from(f: &Finding) -> FindingOut {
        FindingOut {
            category: f.category,
            rule: f.rule.clone(),
            start: f.start,
            end: f.end,
            matched: f.matched.clone(),
            severity: f.severity,
            counts: f.counts(),
        }
    }
}

/// Build the report of one thread.
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
/// let r = report::build(t, &ThreadAnalysis::default());
/// assert_eq!(r.summary.exchanges, 1);
/// let mut md = Vec::new();
/// report::markdown::write_markdown(&r, &mut md)?;
/// assert!(String::from_utf8(md)?.contains("ann ↔ bob"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn build(thread: &Thread, analysis: &ThreadAnalysis) -> Report {
    let chains = chains::analyze(thread, analysis);
    let n = thread.comments.len();
    let comments: Vec<CommentOut> = (0..n).map(|c| comment_out(thread, analysis, c)).collect();
    let hostile = hostile_groups(thread, &comments);
    let pushback = pushback_events(thread, analysis, &comments);

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
        hostile_comments: comments.iter().filter(|c| c.hostile).count(),
        pushback_comments: comments.iter().filter(|c| c.pushback).count(),
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

impl Report {
    /// A reference to comment `c`.
    pub fn comment_ref(&self, c: usize) -> CommentRef {
        let com = &self.comments[c];
        CommentRef {
            id: com.id.clone(),
            author: com.author.clone().unwrap_or_else(|| "[unknown]".into()),
            line: com.line,
        }
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

fn comment_out(thread: &Thread, analysis: &ThreadAnalysis, c: usize) -> CommentOut {
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
        id: com.id.clone(),
        parent_id: com.parent.and_then(|p| thread.comments.get(p)).map(|p| p.id.clone()),
        parent: match thread.graph.parent(c) {
            Node::Comment(p) => Some(p),
            Node::Post => None,
        },
        author: com.author.clone(),
        depth: thread.graph.depth(c),
        line: com.lines.map(|l| l.start),
        status: com.status.name().to_string(),
        text: com.text.clone(),
        hostile: h.is_some_and(|h| h.hostile),
        score: h.map_or(0.0, |h| h.score),
        categories: h.map(|h| h.categories.clone()).unwrap_or_default(),
        pushback: p.is_some_and(|p| p.pushback),
        acts: p.map(|p| p.acts.clone()).unwrap_or_default(),
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
        .map(|f| if f.start < f.end { f.matched.clone() } else { f.rule.clone() })
        .filter(|w| seen.insert(w.to_lowercase()))
        .collect()
}

fn hostile_groups(thread: &Thread, comments: &[CommentOut]) -> Vec<HostileGroup> {
    let mut groups: BTreeMap<Category, Vec<(usize, Flagged)>> = BTreeMap::new();
    for (i, c) in comments.iter().enumerate() {
        if !c.hostile {
            continue;
        }
        let mut cats: Vec<Category> =
            c.findings.iter().filter(|f| f.counts && f.category.is_hostile()).map(|f| f.category).collect();
        cats.extend(c.categories.iter().copied().filter(|k| k.is_hostile()));
        cats.sort();
        cats.dedup();
        for cat in cats {
            let mut rules: Vec<String> =
                c.findings.iter().filter(|f| f.counts && f.category == cat).map(|f| f.rule.clone()).collect();
            rules.sort();
            rules.dedup();
            let flagged = Flagged {
                comment: comment_ref(thread, i),
                score: c.score,
                matched: matched_words(c, |k| k == cat),
                rules,
                excerpt: crate::cli::excerpt(&c.text, EXCERPT_CHARS),
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

/// Pushback events as the pushback analysis decided them (target claim,
/// its support, the claimant's answer), with the report's comment
/// references and matched words. The report adds no judgment of its own,
/// so `flags`, exports and reports always agree.
fn pushback_events(thread: &Thread, analysis: &ThreadAnalysis, comments: &[CommentOut]) -> Vec<PushbackEvent> {
    let mut out = Vec::new();
    for e in &analysis.pushback.events {
        let Some(co) = comments.get(e.comment) else { continue };
        if !co.pushback {
            continue;
        }
        let target = e.target.comment.map(|p| comment_ref(thread, p));
        let claim = if e.target.sentence.is_empty() {
            match e.target.comment {
                Some(p) => thread.comments[p].text.as_str(),
                None => thread.post.paragraphs.first().map_or("", String::as_str),
            }
        } else {
            e.target.sentence.as_str()
        };
        out.push(PushbackEvent {
            comment: comment_ref(thread, e.comment),
            acts: co.acts.clone(),
            matched: matched_words(co, Category::is_pushback),
            target,
            claim: crate::cli::excerpt(claim, EXCERPT_CHARS),
            support: e.target.support.as_ref().map(|s| s.support.name().to_string()),
            outcome: e.outcome.name().to_string(),
            reply: e.reply.map(|k| comment_ref(thread, k)),
        });
    }
    out
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
        let from_analysis: Vec<(String, Option<String>, &str, Option<String>)> = an
            .pushback
            .events
            .iter()
            .filter(|e| an.pushback.comments[e.comment].pushback)
            .map(|e| {
                (
                    t.comments[e.comment].id.clone(),
                    e.target.id.clone(),
                    e.outcome.name(),
                    e.reply.map(|k| t.comments[k].id.clone()),
                )
            })
            .collect();
        let in_report: Vec<(String, Option<String>, &str, Option<String>)> = r
            .pushback
            .iter()
            .map(|p| {
                (
                    p.comment.id.clone(),
                    p.target.as_ref().map(|c| c.id.clone()),
                    p.outcome.as_str(),
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
