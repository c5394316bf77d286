//! Property tests: the text reader never panics, and any tree written in
//! the canonical indented layout reads back as the same tree.

use proptest::prelude::*;
use threadlens::builder::{RawComment, ThreadBuilder};
use threadlens::model::{Comment, Source, SourceFormat};
use threadlens::read::{read_bytes, Format};

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn readers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for format in [Format::Auto, Format::Text, Format::Csv, Format::Jsonl] {
            let _ = read_bytes(&bytes, "fuzz", format);
        }
    }

    #[test]
    fn readers_never_panic_on_indented_noise(lines in proptest::collection::vec(
        (0usize..12, prop::sample::select(vec!["• ", "* ", "o ", "+ ", "# ", "", "- ", "□ "]), "[A-Za-z ,.!?]{0,30}"), 0..60)) {
        let page: String = lines.iter().map(|(i, b, t)| format!("{}{}{}\n", " ".repeat(*i), b, t)).collect();
        if let Ok(ts) = read_bytes(page.as_bytes(), "noise", Format::Text) {
            let t = &ts[0];
            // Every comment's depth agrees with the graph, and roles cover every line.
            for (i, c) in t.comments.iter().enumerate() {
                prop_assert_eq!(c.depth, t.graph.depth(i));
            }
            prop_assert_eq!(t.line_roles.len(), page.lines().count());
        }
    }

    #[test]
    fn canonical_layout_round_trips(
        // Parent of comment i is one of the comments before it, or the post.
        picks in proptest::collection::vec((any::<prop::sample::Index>(), any::<bool>(), 0usize..5, 1usize..4), 1..60),
    ) {
        let names = ["Ann", "Bob Smith", "χρηστος", "Putin’s baby", "ihraç subay"];
        let mut b = ThreadBuilder::new(Source { path: "p".into(), thread_id: None, format: SourceFormat::Csv });
        b.post_mut().title = Some("Title".into());
        b.post_mut().paragraphs = vec!["The article.".into()];
        for (i, (ix, top, name, paras)) in picks.iter().enumerate() {
            let parent = if *top || i == 0 { None } else { Some(format!("{}", ix.index(i))) };
            let text = (0..*paras).map(|p| format!("paragraph {p} of comment {i}, with words.")).collect::<Vec<_>>().join("\n\n");
            b.push(RawComment {
                comment: Comment { id: i.to_string(), author: Some(names[*name].into()), text, ..Comment::default() },
                parent_id: parent,
                record: None,
            });
        }
        let original = b.build();
        let mut page = Vec::new();
        threadlens::export::write_indented(&original, &mut page).unwrap();
        let back = &read_bytes(&page, "page.txt", Format::Text).unwrap()[0];
        prop_assert!(back.diagnostics.is_empty(), "{:?}", back.diagnostics);
        prop_assert_eq!(crate::util::outline(back), crate::util::outline(&original));
        let texts = |t: &threadlens::model::Thread| t.graph.preorder().into_iter().map(|i| t.comments[i].text.clone()).collect::<Vec<_>>();
        prop_assert_eq!(texts(back), texts(&original));
    }
}
