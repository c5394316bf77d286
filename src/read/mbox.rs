//! Unix mbox mailing-list archives, threaded with the JWZ algorithm.
//!
//! Messages start at `From ` lines (at the top of the file or after a
//! blank line). Threads come from `Message-ID`, `In-Reply-To` and
//! `References` as in Jamie Zawinski's threading algorithm: every id a
//! message references gets a container, consecutive references are linked
//! parent → child unless that would make a loop, and a message's own parent
//! is the last id it references. Referenced messages the archive lacks stay
//! in the tree as phantom parents ([`CommentStatus::Missing`]). Each root
//! becomes a thread whose post is the root message (or, for a phantom root,
//! an empty post carrying the missing message's id). Subject grouping (JWZ
//! step 5) is done in its safest case only: a root message whose subject
//! says it is a reply (`Re: X`) joins the earliest root whose own subject is
//! `X` (an original, or a phantom whose replies are about `X`), with a
//! `guess` diagnostic. Two originals, or two replies, with the same subject
//! stay separate threads.
//!
//! Bodies: the first `text/plain` part (else `text/html`, converted), with
//! quoted-printable and base64 decoded by `mailparse`; mboxrd `>From `
//! escapes are undone; `>` quoted lines are recorded in
//! [`Comment::quoted`] so the analyses do not blame the quoting author.

use std::collections::HashMap;

use mailparse::ParsedMail;

use crate::builder::{RawComment, ThreadBuilder};
use crate::error::{Error, Result};
use crate::model::{
    Comment, CommentExtra, CommentStatus, Diagnostic, DiagnosticKind, Post, Source, SourceFormat, Thread,
};
use crate::read::fields;
use crate::read::html::{quoted_lines, to_text, Newlines};

/// Nested multiparts beyond this many are not parsed into parts (mailparse
/// recurses once per level); the raw body is used instead.
const MAX_MULTIPARTS: usize = 32;

/// One message as read from the archive.
struct Message {
    line: u64,
    id: String,
    refs: Vec<String>,
    author: Option<String>,
    subject: Option<String>,
    date: Option<String>,
    body: String,
}

/// A JWZ container: a message id, the message when the archive has it.
struct Container {
    id: String,
    msg: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

/// Read an mbox archive.
pub fn read_mbox(text: &str, path: &str) -> Result<Vec<Thread>> {
    let mut diags = Vec::new();
    let messages = split(text, &mut diags);
    if messages.is_empty() {
        return Err(Error::format("no message found (an mbox starts each message with a `From ` line)").with_path(path));
    }

    // JWZ step 1: containers and links.
    let mut cs: Vec<Container> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut get = |cs: &mut Vec<Container>, id: &str| -> usize {
        *by_id.entry(id.to_string()).or_insert_with(|| {
            cs.push(Container { id: id.to_string(), msg: None, parent: None, children: Vec::new() });
            cs.len() - 1
        })
    };
    for (m, msg) in messages.iter().enumerate() {
        let mut c = get(&mut cs, &msg.id);
        if cs[c].msg.is_some() {
            let mut k = 2;
            while by_id_has(&cs, &format!("{}#{k}", msg.id)) {
                k += 1;
            }
            let renamed = format!("{}#{k}", msg.id);
            diags.push(Diagnostic::at(
                msg.line,
                DiagnosticKind::DuplicateId,
                format!("Message-ID {} appears again; this copy is kept as {renamed}", msg.id),
            ));
            c = get(&mut cs, &renamed);
        }
        cs[c].msg = Some(m);
        let refs: Vec<&String> = msg.refs.iter().filter(|r| **r != msg.id).collect();
        for w in refs.windows(2) {
            let (a, b) = (get(&mut cs, w[0]), get(&mut cs, w[1]));
            if a != b && cs[b].parent.is_none() && !is_ancestor(&cs, b, a) {
                set_parent(&mut cs, b, Some(a));
            }
        }
        // The message's own References are the authority on its parent.
        let parent = refs.last().map(|r| get(&mut cs, r)).filter(|&p| p != c && !is_ancestor(&cs, c, p));
        set_parent(&mut cs, c, parent);
    }

    group_by_subject(&mut cs, &messages, &mut diags);

    let mut threads = Vec::new();
    for root in 0..cs.len() {
        if cs[root].parent.is_some() || (cs[root].msg.is_none() && cs[root].children.is_empty()) {
            continue;
        }
        let source =
            Source { path: path.to_string(), thread_id: Some(cs[root].id.clone()), format: SourceFormat::Mbox };
        let mut b = ThreadBuilder::new(source);
        match cs[root].msg {
            Some(m) => {
                let msg = &messages[m];
                let mut post = Post {
                    id: Some(msg.id.clone()),
                    title: msg.subject.clone(),
                    author: msg.author.clone(),
                    date: msg.date.clone(),
                    paragraphs: fields::paragraphs(&msg.body),
                    ..Post::default()
                };
                post.metadata.insert("line".into(), msg.line.to_string());
                b.post(post);
            }
            None => {
                let mut post = Post { id: Some(cs[root].id.clone()), ..Post::default() };
                post.metadata.insert("status".into(), "missing".into());
                b.post(post);
                b.diagnostic(Diagnostic::new(
                    DiagnosticKind::MissingParent,
                    format!(
                        "thread starter {} is referenced but not in the archive; an empty post stands in",
                        cs[root].id
                    ),
                ));
            }
        }
        let mut stack: Vec<usize> = cs[root].children.iter().rev().copied().collect();
        while let Some(c) = stack.pop() {
            stack.extend(cs[c].children.iter().rev());
            let parent_id = cs[c].parent.map(|p| cs[p].id.clone());
            let comment = match cs[c].msg {
                Some(m) => {
                    let msg = &messages[m];
                    let mut metadata = std::collections::BTreeMap::new();
                    if let Some(s) = &msg.subject {
                        metadata.insert("subject".to_string(), s.clone());
                    }
                    Comment {
                        id: cs[c].id.clone(),
                        author: msg.author.clone(),
                        text: msg.body.clone(),
                        ..Comment::default()
                    }
                    .with_extra(CommentExtra {
                        quoted: quoted_lines(&msg.body),
                        created_at: msg.date.clone(),
                        metadata,
                        ..CommentExtra::default()
                    })
                }
                None => {
                    b.diagnostic(Diagnostic::new(
                        DiagnosticKind::MissingParent,
                        format!("message {} is referenced but not in the archive; a placeholder stands in", cs[c].id),
                    ));
                    Comment { id: cs[c].id.clone(), status: CommentStatus::Missing, ..Comment::default() }
                }
            };
            let record = cs[c].msg.map(|m| messages[m].line);
            b.push(RawComment { comment, parent_id, record });
        }
        threads.push(b.build());
    }
    threads[0].diagnostics.splice(0..0, diags);
    Ok(threads)
}

/// A subject without `Re:` / `Fwd:`-style prefixes (and `Re[2]:`), and
/// whether it had one.
fn base_subject(subject: &str) -> (String, bool) {
    let mut s = subject.trim();
    let mut reply = false;
    loop {
        let lower = s.to_ascii_lowercase();
        let prefix = ["re:", "aw:", "sv:", "fwd:", "fw:"].iter().find(|p| lower.starts_with(**p)).map(|p| p.len());
        let bracketed = lower
            .strip_prefix("re[")
            .and_then(|r| r.find("]:").filter(|&i| r[..i].bytes().all(|b| b.is_ascii_digit())))
            .map(|i| i + 5);
        match prefix.or(bracketed) {
            Some(n) => {
                reply = true;
                s = s[n..].trim_start();
            }
            None => break,
        }
    }
    (s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase(), reply)
}

/// JWZ step 5, safest case: a root reply joins the earliest root (an
/// original or a phantom) about the same subject.
fn group_by_subject(cs: &mut [Container], messages: &[Message], diags: &mut Vec<Diagnostic>) {
    // The subject a root stands for: its message's, or (a phantom) its first child's.
    let subject_of = |cs: &[Container], c: usize| -> Option<(String, bool)> {
        let m = cs[c].msg.or_else(|| cs[c].children.first().and_then(|&k| cs[k].msg))?;
        let (base, reply) = base_subject(messages[m].subject.as_deref()?);
        (!base.is_empty()).then_some((base, reply && cs[c].msg.is_some()))
    };
    let roots: Vec<usize> = (0..cs.len())
        .filter(|&c| cs[c].parent.is_none() && (cs[c].msg.is_some() || !cs[c].children.is_empty()))
        .collect();
    let mut first: HashMap<String, usize> = HashMap::new();
    for &r in &roots {
        if let Some((base, false)) = subject_of(cs, r) {
            first.entry(base).or_insert(r);
        }
    }
    for &r in &roots {
        let Some((base, true)) = subject_of(cs, r) else { continue };
        let Some(&target) = first.get(&base) else { continue };
        if target == r || is_ancestor(cs, r, target) {
            continue;
        }
        set_parent(cs, r, Some(target));
        let line = cs[r].msg.map(|m| messages[m].line);
        diags.push(Diagnostic {
            line,
            kind: DiagnosticKind::Guess,
            message: format!("{} names no parent; threaded under {} by its subject {base:?}", cs[r].id, cs[target].id),
            text: None,
            records: 1,
        });
    }
}

fn by_id_has(cs: &[Container], id: &str) -> bool {
    cs.iter().any(|c| c.id == id)
}

/// Is `a` an ancestor of `b` (or `b` itself)? Bounded walk up `b`'s parents.
fn is_ancestor(cs: &[Container], a: usize, b: usize) -> bool {
    // A container without children is nobody's ancestor: this keeps long
    // reply chains linear (each new message has no children yet).
    if cs[a].children.is_empty() {
        return a == b;
    }
    let mut cur = Some(b);
    for _ in 0..=cs.len() {
        match cur {
            Some(c) if c == a => return true,
            Some(c) => cur = cs[c].parent,
            None => return false,
        }
    }
    true
}

fn set_parent(cs: &mut [Container], child: usize, parent: Option<usize>) {
    if cs[child].parent == parent {
        return;
    }
    if let Some(old) = cs[child].parent {
        cs[old].children.retain(|&x| x != child);
    }
    cs[child].parent = parent;
    if let Some(p) = parent {
        cs[p].children.push(child);
    }
}

/// Is `line` a mail header (`Name: value`, RFC 5322 field name)?
fn is_header(line: &str) -> bool {
    match line.split_once(':') {
        Some((name, _)) => !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b)),
        None => false,
    }
}

/// Split the archive at `From ` lines and parse each message. A `From `
/// line counts only at the top or after a blank line, and only when a
/// header follows: an unescaped "From here on…" in a body stays body text.
fn split(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Message> {
    let mut starts: Vec<(usize, u64)> = Vec::new();
    let mut offset = 0;
    let mut prev_blank = true;
    let mut lines = text.split_inclusive('\n').enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let next_is_header = lines.peek().is_some_and(|(_, next)| is_header(next));
        if line.starts_with("From ") && prev_blank && next_is_header {
            starts.push((offset, i as u64 + 1));
        }
        prev_blank = line.trim().is_empty();
        offset += line.len();
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, &(start, line)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(text.len(), |s| s.0);
        let chunk = &text[start..end];
        let raw = chunk.split_once('\n').map_or("", |(_, rest)| rest);
        match parse_message(raw, line, out.len() + 1) {
            Ok(m) => out.push(m),
            Err(e) => diags.push(
                Diagnostic::at(
                    line,
                    DiagnosticKind::MalformedRecord,
                    format!("message could not be parsed ({e}); skipped"),
                )
                .with_text(fields::truncate(raw, 200)),
            ),
        }
    }
    out
}

/// The message ids (`<…>`) in a header value, without the brackets.
fn ids(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else { break };
        let id = rest[open + 1..open + close].trim();
        if !id.is_empty() {
            out.push(id.to_string());
        }
        rest = &rest[open + close + 1..];
    }
    out
}

fn parse_message(raw: &str, line: u64, ordinal: usize) -> std::result::Result<Message, mailparse::MailParseError> {
    let nested = raw.to_ascii_lowercase().matches("multipart/").count();
    let (headers, body) = if nested > MAX_MULTIPARTS {
        let (headers, end) = mailparse::parse_headers(raw.as_bytes())?;
        (headers, raw.get(end..).unwrap_or("").to_string())
    } else {
        let mail = mailparse::parse_mail(raw.as_bytes())?;
        let body = body_of(&mail);
        (mail.headers, body)
    };
    let id = header(&headers, "Message-ID").and_then(|v| ids(&v).into_iter().next());
    let id = id.unwrap_or_else(|| format!("mbox-message-{ordinal}@line-{line}"));
    let mut refs = header(&headers, "References").map(|v| ids(&v)).unwrap_or_default();
    if let Some(irt) = header(&headers, "In-Reply-To").and_then(|v| ids(&v).into_iter().next()) {
        if refs.last() != Some(&irt) {
            refs.retain(|r| *r != irt);
            refs.push(irt);
        }
    }
    let author = header(&headers, "From").and_then(|f| display_name(&f));
    Ok(Message {
        line,
        id,
        refs,
        author,
        subject: header(&headers, "Subject").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        date: header(&headers, "Date").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        body: clean_body(&body),
    })
}

/// A header's value. Raw 8-bit UTF-8 (common, though not allowed by RFC
/// 5322) is kept as UTF-8; encoded words (`=?UTF-8?Q?…?=`) are decoded.
fn header(headers: &[mailparse::MailHeader<'_>], name: &str) -> Option<String> {
    let h = headers.iter().find(|h| h.get_key_ref().eq_ignore_ascii_case(name))?;
    match std::str::from_utf8(h.get_value_raw()) {
        Ok(raw) if !raw.is_ascii() && !raw.contains("=?") => Some(raw.split_whitespace().collect::<Vec<_>>().join(" ")),
        _ => Some(h.get_value()),
    }
}

/// A part's body as text. Without a declared charset (or with the default
/// `us-ascii`) mail software still sends UTF-8, so valid UTF-8 is taken as
/// such instead of being decoded byte by byte as Latin-1.
fn body_text(part: &ParsedMail<'_>) -> String {
    let charset = part.ctype.charset.to_ascii_lowercase();
    if charset.is_empty() || charset == "us-ascii" {
        if let Ok(raw) = part.get_body_raw() {
            if let Ok(text) = String::from_utf8(raw) {
                return text;
            }
        }
    }
    part.get_body().unwrap_or_default()
}

/// The sender's display name, else the address.
fn display_name(from: &str) -> Option<String> {
    if let Ok(list) = mailparse::addrparse(from) {
        if let Some(mailparse::MailAddr::Single(info)) = list.iter().next() {
            let name = info.display_name.clone().map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
            return name.or_else(|| Some(info.addr.clone()));
        }
    }
    let f = from.trim();
    (!f.is_empty()).then(|| f.to_string())
}

/// The first text/plain leaf (else the first text/html one, as text),
/// found with an explicit stack.
fn body_of(mail: &ParsedMail<'_>) -> String {
    let mut html: Option<String> = None;
    let mut stack = vec![mail];
    while let Some(part) = stack.pop() {
        if !part.subparts.is_empty() {
            stack.extend(part.subparts.iter().rev());
            continue;
        }
        let mime = part.ctype.mimetype.to_ascii_lowercase();
        if mime == "text/plain" || mime.is_empty() {
            return body_text(part);
        }
        if mime == "text/html" && html.is_none() {
            html = Some(to_text(&body_text(part), Newlines::Collapse).text);
        }
    }
    html.unwrap_or_default()
}

/// Normalise line ends, undo mboxrd `>From ` escapes, trim.
fn clean_body(body: &str) -> String {
    let body = body.replace("\r\n", "\n");
    let mut out = String::with_capacity(body.len());
    for line in body.split_inclusive('\n') {
        let gts = line.len() - line.trim_start_matches('>').len();
        if gts > 0 && line[gts..].starts_with("From ") {
            out.push_str(&line[1..]);
        } else {
            out.push_str(line);
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_and_names() {
        assert_eq!(ids("<a@x> <b@y>\n\t<c@z>"), ["a@x", "b@y", "c@z"]);
        assert_eq!(ids("junk <> <d@w"), Vec::<String>::new());
        assert_eq!(display_name("\"Ann Lee\" <ann@example.org>").as_deref(), Some("Ann Lee"));
        assert_eq!(display_name("bob@example.org").as_deref(), Some("bob@example.org"));
        assert_eq!(
            clean_body(">From the start\r\n>>From here\r\n> quoted\r\n"),
            "From the start\n>From here\n> quoted"
        );
        assert!(is_header("Message-ID: <a@b>") && is_header("X-Foo:bar"));
        assert!(!is_header("From here on, we agree.") && !is_header(": x") && !is_header("no colon"));
    }

    #[test]
    fn subjects() {
        assert_eq!(base_subject("Re: RE: Fwd:  Tabs   vs spaces"), ("tabs vs spaces".to_string(), true));
        assert_eq!(base_subject("Re[2]: Tabs"), ("tabs".to_string(), true));
        assert_eq!(base_subject("Regarding tabs"), ("regarding tabs".to_string(), false));
    }

    #[test]
    fn a_reply_without_references_joins_its_subject() {
        let mbox = "From a@x Mon Jan  6 10:00:00 2020\nMessage-ID: <1@x>\nSubject: Tabs\n\nOriginal.\n\n\
From b@x Mon Jan  6 11:00:00 2020\nMessage-ID: <2@x>\nSubject: Re: Tabs\n\nNo references.\n\n\
From c@x Mon Jan  6 12:00:00 2020\nMessage-ID: <3@x>\nSubject: Tabs\n\nAnother original.\n";
        let ts = read_mbox(mbox, "m").unwrap();
        assert_eq!(ts.len(), 2, "two originals stay apart");
        assert_eq!(ts[0].comments.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["2@x"]);
        assert_eq!(ts[0].diagnostics[0].kind, DiagnosticKind::Guess);
        assert_eq!(ts[1].post.id.as_deref(), Some("3@x"));
    }

    #[test]
    fn unescaped_from_in_a_body_stays_in_the_body() {
        let mbox = "From a@x Mon Jan  6 10:00:00 2020\nMessage-ID: <1@x>\n\nFirst.\n\nFrom here on, we agree.\n\nFrom b@x Mon Jan  6 11:00:00 2020\nMessage-ID: <2@x>\nIn-Reply-To: <1@x>\n\nOk.\n";
        let ts = read_mbox(mbox, "m").unwrap();
        assert_eq!(ts.len(), 1);
        assert_eq!(ts[0].post.paragraphs, ["First.", "From here on, we agree."]);
        assert_eq!(ts[0].comments[0].text, "Ok.");
    }
}
