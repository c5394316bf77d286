//! The thread model every reader produces and every analysis consumes.
//!
//! A [`Thread`] is plain data: where it came from, the post or article it
//! hangs under, its comments in document order, and the diagnostics the
//! reader wrote for everything it had to guess. The reply tree itself is a
//! petgraph graph ([`crate::graph::ReplyGraph`]) built from the comments'
//! parent links once, by [`crate::builder::ThreadBuilder`].

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::graph::ReplyGraph;

/// An inclusive, 1-based range of source lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LineSpan {
    /// First line (1-based).
    pub start: u64,
    /// Last line (1-based, inclusive).
    pub end: u64,
}

impl LineSpan {
    /// A span covering a single line.
    pub fn line(n: u64) -> LineSpan {
        LineSpan { start: n, end: n }
    }
}

/// Which input format a thread was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// Scraped or browser-dumped text where indentation shows replies.
    Text,
    /// Generic CSV edge list.
    Csv,
    /// Generic JSON Lines edge list.
    Jsonl,
    /// RumourEval thread folders (Twitter or Reddit).
    Rumoureval,
    /// Reddit API thread JSON.
    RedditJson,
    /// Pushshift / Arctic Shift NDJSON dumps.
    Pushshift,
    /// Hacker News item JSON (official API or Algolia tree).
    HackerNews,
    /// YouTube comments as written by yt-dlp.
    Youtube,
    /// Disqus export XML.
    Disqus,
    /// WordPress WXR export.
    Wordpress,
    /// Unix mbox mailing-list archive.
    Mbox,
    /// ConvoKit corpus folder.
    Convokit,
}

impl SourceFormat {
    /// The name used on the command line and in outputs.
    pub fn name(self) -> &'static str {
        match self {
            SourceFormat::Text => "text",
            SourceFormat::Csv => "csv",
            SourceFormat::Jsonl => "jsonl",
            SourceFormat::Rumoureval => "rumoureval",
            SourceFormat::RedditJson => "reddit",
            SourceFormat::Pushshift => "pushshift",
            SourceFormat::HackerNews => "hn",
            SourceFormat::Youtube => "youtube",
            SourceFormat::Disqus => "disqus",
            SourceFormat::Wordpress => "wordpress",
            SourceFormat::Mbox => "mbox",
            SourceFormat::Convokit => "convokit",
        }
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a thread came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The input path as given (`-` for standard input).
    pub path: String,
    /// The thread id, for inputs that hold many threads (or carry an id).
    pub thread_id: Option<String>,
    /// The format the thread was read as.
    pub format: SourceFormat,
}

/// The post or article a thread hangs under. Always present: when the
/// input carries no article text, every field is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Post {
    /// Platform id of the post, when the input has one.
    pub id: Option<String>,
    /// Title or headline.
    pub title: Option<String>,
    /// Author or byline name ("By X", "Written by X").
    pub author: Option<String>,
    /// Date line as written in the source.
    pub date: Option<String>,
    /// Site metadata (`Region`, `Theme`, `url`, …), sorted by key.
    pub metadata: BTreeMap<String, String>,
    /// Body paragraphs, in order.
    pub paragraphs: Vec<String>,
    /// Site chrome kept apart from the body (footers, disclaimers, …).
    pub boilerplate: Vec<String>,
    /// Source lines the post occupies (text inputs only).
    pub lines: Option<LineSpan>,
}

impl Post {
    /// The body as one string, paragraphs separated by a blank line.
    pub fn body(&self) -> String {
        self.paragraphs.join("\n\n")
    }

    /// True when the input carried no article or post at all.
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.paragraphs.is_empty() && self.id.is_none()
    }
}

/// What state a comment is in. Deletion is not one state: who deleted what
/// matters to moderation research.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CommentStatus {
    /// An ordinary comment.
    #[default]
    Normal,
    /// The author's account was deleted; the text is kept.
    AuthorDeleted,
    /// The author deleted the text.
    Deleted,
    /// A moderator removed the text.
    Removed,
    /// Marked as spam by the platform.
    Spam,
    /// A stub that stands for comments the input does not hold
    /// (Reddit "load more" / "continue this thread").
    Placeholder {
        /// How many comments the stub hides, when the input says.
        hidden: u64,
    },
    /// A parent that other comments reply to but the input lacks.
    Missing,
}

impl CommentStatus {
    /// True for nodes that stand for absent comments (placeholders and
    /// missing parents): they carry no text of anyone's.
    pub fn is_stand_in(&self) -> bool {
        matches!(self, CommentStatus::Placeholder { .. } | CommentStatus::Missing)
    }

    /// Short name used in exports.
    pub fn name(&self) -> &'static str {
        match self {
            CommentStatus::Normal => "normal",
            CommentStatus::AuthorDeleted => "author_deleted",
            CommentStatus::Deleted => "deleted",
            CommentStatus::Removed => "removed",
            CommentStatus::Spam => "spam",
            CommentStatus::Placeholder { .. } => "placeholder",
            CommentStatus::Missing => "missing",
        }
    }
}

/// One comment of a thread.
///
/// The fields a scraped page leaves empty for most comments (quoted
/// ranges, timestamp, score, metadata) live out of line in a
/// [`CommentExtra`] allocated only when one is set: a comment of an
/// indented page costs 144 bytes here instead of 224 (docs/performance.md,
/// "Memory of one thread"). Read them with [`Comment::quoted`],
/// [`Comment::created_at`], [`Comment::score`] and [`Comment::metadata`];
/// set them through [`Comment::extra_mut`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comment {
    /// Stable id: the platform's id, or `c1`, `c2`, … in document order
    /// for text inputs.
    pub id: String,
    /// Author name; `None` when the input does not tell.
    pub author: Option<String>,
    /// Index of the parent in [`Thread::comments`]; `None` for a reply to
    /// the post.
    pub parent: Option<usize>,
    /// 0 for a top-level comment, parent depth + 1 otherwise.
    pub depth: u32,
    /// Body text. Paragraphs are separated by a blank line (`"\n\n"`);
    /// hard-wrapped source lines inside a paragraph are kept as `"\n"`.
    pub text: String,
    /// Source lines (text inputs only): author line to last body line.
    pub lines: Option<LineSpan>,
    /// Deleted, removed, placeholder, …
    pub status: CommentStatus,
    /// The rarely set fields, read through the accessors above.
    pub rare: RareFields,
}

/// The fields of a [`Comment`] most comments of a scraped page leave empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommentExtra {
    /// Byte ranges of `text` the comment quotes from others (`>` lines,
    /// quoted e-mail), as found by the reader.
    pub quoted: Vec<(usize, usize)>,
    /// Timestamp as given by the source (RFC 3339, Unix seconds, or the
    /// page's own words such as "3 hours ago").
    pub created_at: Option<String>,
    /// Score or points, when the source shows them.
    pub score: Option<i64>,
    /// Everything else the source said about the comment, sorted by key.
    pub metadata: BTreeMap<String, String>,
}

/// A [`CommentExtra`] behind a pointer, absent when empty (8 bytes in a
/// [`Comment`]). Absent and present-but-empty compare equal: equality is
/// about the fields' values.
#[derive(Clone, Debug, Default)]
pub struct RareFields(Option<Box<CommentExtra>>);

impl RareFields {
    fn get(&self) -> &CommentExtra {
        static EMPTY: CommentExtra =
            CommentExtra { quoted: Vec::new(), created_at: None, score: None, metadata: BTreeMap::new() };
        self.0.as_deref().unwrap_or(&EMPTY)
    }
}

impl PartialEq for RareFields {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RareFields {}

/// The JSON of a comment lists every field, in the order they were
/// declared before the rare ones moved out of line (`tree --json` output
/// is unchanged).
impl Serialize for Comment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let extra = self.rare.get();
        let mut st = s.serialize_struct("Comment", 11)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("author", &self.author)?;
        st.serialize_field("parent", &self.parent)?;
        st.serialize_field("depth", &self.depth)?;
        st.serialize_field("text", &self.text)?;
        st.serialize_field("quoted", &extra.quoted)?;
        st.serialize_field("lines", &self.lines)?;
        st.serialize_field("created_at", &extra.created_at)?;
        st.serialize_field("score", &extra.score)?;
        st.serialize_field("status", &self.status)?;
        st.serialize_field("metadata", &extra.metadata)?;
        st.end()
    }
}

impl Comment {
    /// Byte ranges of `text` the comment quotes from others (`>` lines,
    /// quoted e-mail), as found by the reader.
    pub fn quoted(&self) -> &[(usize, usize)] {
        &self.rare.get().quoted
    }

    /// Timestamp as given by the source (RFC 3339, Unix seconds, or the
    /// page's own words such as "3 hours ago").
    pub fn created_at(&self) -> Option<&str> {
        self.rare.get().created_at.as_deref()
    }

    /// Score or points, when the source shows them.
    pub fn score(&self) -> Option<i64> {
        self.rare.get().score
    }

    /// Everything else the source said about the comment, sorted by key.
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.rare.get().metadata
    }

    /// The rarely set fields, to set them (allocated on first use).
    pub fn extra_mut(&mut self) -> &mut CommentExtra {
        self.rare.0.get_or_insert_with(Box::default)
    }

    /// This comment with `extra` as its rarely set fields (a box is kept
    /// as given; nothing is held when `extra` is empty).
    pub fn with_extra(mut self, extra: impl Into<Box<CommentExtra>>) -> Comment {
        let extra = extra.into();
        self.rare = RareFields((*extra != CommentExtra::default()).then_some(extra));
        self
    }

    /// The author, or `"[unknown]"`.
    pub fn author_or_unknown(&self) -> &str {
        self.author.as_deref().unwrap_or("[unknown]")
    }

    /// The body split into paragraphs.
    pub fn paragraphs(&self) -> impl Iterator<Item = &str> {
        self.text.split("\n\n").filter(|p| !p.trim().is_empty())
    }
}

/// What a diagnostic is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// A line the reader could not place and kept here instead.
    UnplacedLine,
    /// A comment body line deeper than expected (lost author line or
    /// continuation).
    IndentJump,
    /// A comment without an author line, attributed as unknown.
    UnattributedComment,
    /// Text cut short by the page ("Read more »").
    TruncatedText,
    /// A reply whose parent is not in the input; a placeholder stands in.
    MissingParent,
    /// Two records share an id.
    DuplicateId,
    /// Parent links that form a loop; broken at one comment.
    Cycle,
    /// A record that could not be read and was skipped.
    MalformedRecord,
    /// A record read but left out on purpose (pingbacks, spam, …).
    SkippedRecord,
    /// A guess the reader made about structure (indent step, bullets…).
    Guess,
    /// A stub for comments the input does not hold.
    Placeholder,
}

/// Something the reader had to guess, skip or repair, with where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// 1-based line (or record number for record formats), when known.
    pub line: Option<u64>,
    /// What kind of issue this is.
    pub kind: DiagnosticKind,
    /// Human-readable explanation.
    pub message: String,
    /// The input text the diagnostic keeps, for lines that went nowhere
    /// else (so no text is silently dropped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// How many input records it stands for (one, unless the reader
    /// reports a group at once, e.g. ids missing from a thread's files);
    /// the reader's summary counts skipped records with it.
    #[serde(skip_serializing_if = "is_one")]
    pub records: u64,
}

fn is_one(n: &u64) -> bool {
    *n == 1
}

impl Diagnostic {
    /// A diagnostic at a line.
    pub fn at(line: u64, kind: DiagnosticKind, message: impl Into<String>) -> Diagnostic {
        Diagnostic { line: Some(line), kind, message: message.into(), text: None, records: 1 }
    }

    /// The same diagnostic standing for `n` input records.
    pub fn covering(mut self, n: u64) -> Diagnostic {
        self.records = n;
        self
    }

    /// A diagnostic without a line.
    pub fn new(kind: DiagnosticKind, message: impl Into<String>) -> Diagnostic {
        Diagnostic { line: None, kind, message: message.into(), text: None, records: 1 }
    }

    /// Attach the input text this diagnostic keeps.
    pub fn with_text(mut self, text: impl Into<String>) -> Diagnostic {
        self.text = Some(text.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Where one non-blank line of a text input ended up. Every non-blank line
/// gets exactly one role; tests check that none is left unassigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "role", content = "comment")]
pub enum LineRole {
    /// Blank or whitespace-only.
    Blank,
    /// Article title, byline, date or site metadata.
    ArticleHeader,
    /// Article body paragraph.
    ArticleBody,
    /// Site chrome kept apart (footer, disclaimer, "Comment on … Facebook").
    Boilerplate,
    /// The author line of comment N (index into `Thread::comments`).
    CommentHeader(usize),
    /// A body line of comment N.
    CommentBody(usize),
    /// Kept in a diagnostic.
    Diagnostic,
}

/// The [`LineRole`] of every line of a text input, four bytes a line
/// (a `LineRole` is sixteen): the role in the top three bits, the comment
/// index below. A page with a comment index past 2^29 − 1 (half a billion
/// comments) falls back to a plain `Vec<LineRole>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineRoles {
    repr: RolesRepr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum RolesRepr {
    Packed(Vec<u32>),
    Wide(Vec<LineRole>),
}

impl Default for RolesRepr {
    fn default() -> RolesRepr {
        RolesRepr::Packed(Vec::new())
    }
}

/// Bits of a packed role below its tag.
const ROLE_INDEX_BITS: u32 = 29;
const ROLE_INDEX_MASK: u32 = (1 << ROLE_INDEX_BITS) - 1;

impl LineRole {
    /// The packed form, when the comment index fits.
    #[inline(always)]
    fn pack(self) -> Option<u32> {
        let (tag, index) = match self {
            LineRole::Blank => (0, 0),
            LineRole::ArticleHeader => (1, 0),
            LineRole::ArticleBody => (2, 0),
            LineRole::Boilerplate => (3, 0),
            LineRole::CommentHeader(i) => (4, i),
            LineRole::CommentBody(i) => (5, i),
            LineRole::Diagnostic => (6, 0),
        };
        let index = u32::try_from(index).ok().filter(|&i| i <= ROLE_INDEX_MASK)?;
        Some(tag << ROLE_INDEX_BITS | index)
    }

    fn unpack(packed: u32) -> LineRole {
        let index = (packed & ROLE_INDEX_MASK) as usize;
        match packed >> ROLE_INDEX_BITS {
            0 => LineRole::Blank,
            1 => LineRole::ArticleHeader,
            2 => LineRole::ArticleBody,
            3 => LineRole::Boilerplate,
            4 => LineRole::CommentHeader(index),
            5 => LineRole::CommentBody(index),
            _ => LineRole::Diagnostic,
        }
    }
}

impl LineRoles {
    /// `len` lines, all [`LineRole::Blank`].
    pub fn blank(len: usize) -> LineRoles {
        LineRoles { repr: RolesRepr::Packed(vec![0; len]) }
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        match &self.repr {
            RolesRepr::Packed(v) => v.len(),
            RolesRepr::Wide(v) => v.len(),
        }
    }

    /// True when there are no lines (inputs other than text).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The role of line `i + 1` (0-based index), if there is such a line.
    pub fn get(&self, i: usize) -> Option<LineRole> {
        match &self.repr {
            RolesRepr::Packed(v) => v.get(i).map(|&p| LineRole::unpack(p)),
            RolesRepr::Wide(v) => v.get(i).copied(),
        }
    }

    /// Set the role of line `i + 1` (0-based index).
    ///
    /// # Panics
    ///
    /// When `i >= self.len()`, as slice indexing does.
    #[inline(always)]
    pub fn set(&mut self, i: usize, role: LineRole) {
        match (&mut self.repr, role.pack()) {
            (RolesRepr::Packed(v), Some(p)) => v[i] = p,
            _ => self.set_wide(i, role),
        }
    }

    /// [`Self::set`] of a role that does not pack, or into unpacked roles.
    #[cold]
    #[inline(never)]
    fn set_wide(&mut self, i: usize, role: LineRole) {
        if let RolesRepr::Packed(v) = &self.repr {
            self.repr = RolesRepr::Wide(v.iter().map(|&p| LineRole::unpack(p)).collect());
        }
        if let RolesRepr::Wide(v) = &mut self.repr {
            v[i] = role;
        }
    }

    /// The roles in line order.
    pub fn iter(&self) -> impl Iterator<Item = LineRole> + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
}

impl From<Vec<LineRole>> for LineRoles {
    fn from(roles: Vec<LineRole>) -> LineRoles {
        let mut out = LineRoles::blank(roles.len());
        for (i, role) in roles.into_iter().enumerate() {
            out.set(i, role);
        }
        out
    }
}

/// One thread: a post, its comments in document order, the reply tree over
/// them, and the reader's diagnostics.
#[derive(Clone, Debug, Serialize)]
pub struct Thread {
    /// Where the thread came from.
    pub source: Source,
    /// The post or article (empty when the input has none).
    pub post: Post,
    /// Comments in document (display) order.
    pub comments: Vec<Comment>,
    /// What the reader had to guess, skip or repair.
    pub diagnostics: Vec<Diagnostic>,
    /// For text inputs: the role of each input line (index = line - 1).
    #[serde(skip)]
    pub line_roles: LineRoles,
    /// The reply tree, rooted at the post.
    #[serde(skip)]
    pub graph: ReplyGraph,
}

impl Thread {
    /// The thread id to print in exports: the source's thread id, else the
    /// post id, else the file stem.
    pub fn display_id(&self) -> String {
        if let Some(id) = &self.source.thread_id {
            return id.clone();
        }
        if let Some(id) = &self.post.id {
            return id.clone();
        }
        let path = std::path::Path::new(&self.source.path);
        path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| self.source.path.clone())
    }

    /// Number of distinct named authors among the comments.
    pub fn participant_count(&self) -> usize {
        // A set, not sort + dedup: comparing names costs more than hashing
        // them (7 % of `stream --shape-only`'s instructions went to the sort).
        let mut names: foldhash::HashSet<&str> =
            foldhash::HashSet::with_capacity_and_hasher(self.comments.len(), Default::default());
        names.extend(self.comments.iter().filter_map(|c| c.author.as_deref()));
        names.len()
    }

    /// The text a comment replies to: its parent's body, or the post body
    /// for top-level comments.
    pub fn target_text(&self, comment: usize) -> String {
        match self.comments[comment].parent {
            Some(p) => self.comments[p].text.clone(),
            None => self.post.body(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_fields_live_out_of_line_and_compare_by_value() {
        // The memory budget of a page's thread counts on this size
        // (docs/performance.md, "Memory of one thread").
        assert!(std::mem::size_of::<Comment>() <= 144, "{}", std::mem::size_of::<Comment>());
        let plain = Comment { id: "c1".into(), text: "hi".into(), ..Comment::default() };
        // Nothing is allocated for empty rare fields, and an empty box
        // equals none.
        assert!(plain.clone().with_extra(CommentExtra::default()).rare.0.is_none());
        let mut boxed = plain.clone();
        boxed.extra_mut();
        assert!(boxed.rare.0.is_some());
        assert_eq!(boxed, plain);
        // Set fields read back, and make the comments differ.
        let extra = CommentExtra {
            quoted: vec![(0, 2)],
            created_at: Some("1600000000".into()),
            score: Some(-3),
            metadata: BTreeMap::from([("k".to_string(), "v".to_string())]),
        };
        let full = plain.clone().with_extra(extra);
        assert_eq!(full.quoted(), [(0, 2)]);
        assert_eq!(full.created_at(), Some("1600000000"));
        assert_eq!(full.score(), Some(-3));
        assert_eq!(full.metadata()["k"], "v");
        assert_ne!(full, plain);
        // JSON lists every field in the order of the model's documentation.
        let json = serde_json::to_string(&full).unwrap();
        assert_eq!(
            json,
            r#"{"id":"c1","author":null,"parent":null,"depth":0,"text":"hi","quoted":[[0,2]],"lines":null,"created_at":"1600000000","score":-3,"status":{"kind":"normal"},"metadata":{"k":"v"}}"#
        );
    }

    #[test]
    fn line_roles_pack_every_role_and_fall_back_past_29_bits() {
        let big = ROLE_INDEX_MASK as usize;
        let cases = [
            LineRole::Blank,
            LineRole::ArticleHeader,
            LineRole::ArticleBody,
            LineRole::Boilerplate,
            LineRole::CommentHeader(0),
            LineRole::CommentHeader(big),
            LineRole::CommentBody(7),
            LineRole::CommentBody(big),
            LineRole::Diagnostic,
        ];
        let mut roles = LineRoles::blank(cases.len() + 1);
        for (i, &role) in cases.iter().enumerate() {
            roles.set(i, role);
        }
        assert!(matches!(roles.repr, RolesRepr::Packed(_)));
        assert_eq!(roles.iter().take(cases.len()).collect::<Vec<_>>(), cases);
        assert_eq!(roles.get(cases.len()), Some(LineRole::Blank));
        assert_eq!(roles.get(cases.len() + 1), None);
        // One index past 29 bits: every role is kept, now unpacked.
        roles.set(cases.len(), LineRole::CommentBody(big + 1));
        assert!(matches!(roles.repr, RolesRepr::Wide(_)));
        assert_eq!(roles.iter().take(cases.len()).collect::<Vec<_>>(), cases);
        assert_eq!(roles.get(cases.len()), Some(LineRole::CommentBody(big + 1)));
        assert_eq!(roles.len(), cases.len() + 1);
        assert_eq!(LineRoles::from(cases.to_vec()).iter().collect::<Vec<_>>(), cases);
    }
}
