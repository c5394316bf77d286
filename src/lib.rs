//! threadlens reads online comment threads into reply trees and tells
//! moderators and researchers what happened in them.
//!
//! # Brief overview
//!
//! input → [`read`] (one reader per format) → [`model::Thread`] (post,
//! comments, diagnostics) with its [`graph::ReplyGraph`] (petgraph, rooted at
//! the post) → analyses → renderers. `docs/architecture.md` has the map.
//!
//! # Example
//!
//! ```
//! use threadlens::read::{read_bytes, Format};
//!
//! let page = "A title\n\nThe article.\n\n  • Ann\n\n    First!\n\n    • Bob\n\n      Hi Ann.\n";
//! let threads = read_bytes(page.as_bytes(), "page.txt", Format::Auto)?;
//! let t = &threads[0];
//! assert_eq!(t.post.title.as_deref(), Some("A title"));
//! assert_eq!(t.comments[1].author.as_deref(), Some("Bob"));
//! assert_eq!(t.comments[1].parent, Some(0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod analysis;
pub mod builder;
pub mod cli;
pub mod error;
pub mod eval;
pub mod eval_pushback;
pub mod export;
mod fnv;
pub mod gen;
pub mod graph;
pub mod model;
pub mod read;
pub mod report;
pub mod spill;
pub mod stream;

pub use error::{Error, Result};
