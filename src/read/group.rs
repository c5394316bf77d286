//! Records of many threads in one input: one [`ThreadBuilder`] per thread
//! key, threads in order of first appearance, and the diagnostics of
//! records that belong to no thread.

use foldhash::{HashMap, HashMapExt};

use crate::builder::ThreadBuilder;
use crate::error::{Error, Result};
use crate::model::{Diagnostic, Source, SourceFormat, Thread};

/// Thread builders keyed by thread id.
pub(crate) struct Groups {
    path: String,
    format: SourceFormat,
    order: Vec<String>,
    builders: HashMap<String, ThreadBuilder>,
    /// Diagnostics for records no thread took (unreadable lines, …); the
    /// first thread carries them.
    pub(crate) orphans: Vec<Diagnostic>,
}

impl Groups {
    pub(crate) fn new(path: &str, format: SourceFormat) -> Groups {
        Groups { path: path.to_string(), format, order: Vec::new(), builders: HashMap::new(), orphans: Vec::new() }
    }

    /// True when thread `key` has been started.
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.builders.contains_key(key)
    }

    /// The builder of thread `key`, started (with the key as thread id and
    /// post id) on first use.
    pub(crate) fn builder(&mut self, key: &str) -> &mut ThreadBuilder {
        if !self.builders.contains_key(key) {
            self.order.push(key.to_string());
            let source = Source { path: self.path.clone(), thread_id: Some(key.to_string()), format: self.format };
            let mut b = ThreadBuilder::new(source);
            b.post_mut().id = Some(key.to_string());
            self.builders.insert(key.to_string(), b);
        }
        self.builders.get_mut(key).expect("inserted above")
    }

    /// Every started thread's key and builder.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut ThreadBuilder)> {
        self.builders.iter_mut()
    }

    /// Build every thread; an error naming the first orphan diagnostic when
    /// no record made it into any thread (`what` names the records).
    pub(crate) fn finish(self, what: &str) -> Result<Vec<Thread>> {
        let path = self.path.clone();
        let (mut threads, orphans) = self.build_all();
        let Some(first) = threads.first_mut() else {
            return Err(no_records_error(what, &orphans, &path));
        };
        first.diagnostics.splice(0..0, orphans);
        Ok(threads)
    }

    /// Build every thread, in order of first appearance, and hand back the
    /// orphan diagnostics for the caller to place.
    pub(crate) fn build_all(mut self) -> (Vec<Thread>, Vec<Diagnostic>) {
        let mut threads = Vec::with_capacity(self.order.len());
        for key in std::mem::take(&mut self.order) {
            if let Some(b) = self.builders.remove(&key) {
                threads.push(b.build());
            }
        }
        (threads, self.orphans)
    }
}

/// The error when no record of an input made it into a thread, naming the
/// first orphan diagnostic.
pub(crate) fn no_records_error(what: &str, orphans: &[Diagnostic], path: &str) -> Error {
    let why = orphans.first().map(|d| d.to_string()).unwrap_or_else(|| "none found".into());
    Error::format(format!("no {what} could be read ({why})")).with_path(path)
}
