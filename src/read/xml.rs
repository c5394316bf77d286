//! Small helpers over roxmltree shared by the Disqus and WordPress readers.

use roxmltree::{Document, Node};

use crate::error::{Error, Result};

/// Parse an XML document, turning errors into positioned [`Error`]s.
pub(crate) fn parse<'a>(text: &'a str, path: &str) -> Result<Document<'a>> {
    Document::parse(text).map_err(|e| {
        let pos = e.pos();
        Error::format(format!("not well-formed XML: {e}"))
            .with_path(path)
            .at_line(pos.row as u64)
            .at_column(pos.col as u64)
    })
}

/// The 1-based line a node starts on.
pub(crate) fn line(doc: &Document<'_>, node: Node<'_, '_>) -> u64 {
    doc.text_pos_at(node.range().start).row as u64
}

/// The first child element with local name `name` (any namespace).
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The text (including CDATA) of the first child element `name`, trimmed;
/// `None` when absent or empty.
pub(crate) fn child_text(node: Node<'_, '_>, name: &str) -> Option<String> {
    let c = child(node, name)?;
    let text: String = c.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The value of an attribute by local name, in any namespace
/// (`dsq:id` → `id`).
pub(crate) fn attr<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attributes().find(|a| a.name() == name).map(|a| a.value())
}
