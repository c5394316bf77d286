//! Reads a generated 100,000-comment indented page N times, for
//! instruction-count profiling of the text reader (see docs/performance.md):
//!
//! ```sh
//! cargo build --release --example read_profile
//! valgrind --tool=callgrind target/release/examples/read_profile 3
//! ```
//!
//! `read_profile N pushshift` reads the Pushshift lines of the
//! `read/pushshift_ndjson_100x1k` bench instead (100 threads of 1,000).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use threadlens::gen::{write_corpus, GenFormat, GenOptions};
use threadlens::read::{read_bytes, Format};

fn main() {
    let passes: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    let pushshift = std::env::args().nth(2).as_deref() == Some("pushshift");
    let (opts, gen, format) = if pushshift {
        (
            GenOptions { threads: 100, comments_per_thread: 1_000, ..GenOptions::default() },
            GenFormat::Pushshift,
            Format::Pushshift,
        )
    } else {
        (
            GenOptions { threads: 1, comments_per_thread: 100_000, ..GenOptions::default() },
            GenFormat::Text,
            Format::Text,
        )
    };
    let mut page = Vec::new();
    write_corpus(&opts, gen, &mut page).expect("writing to memory");
    let mut comments = 0;
    for _ in 0..passes {
        let threads = read_bytes(&page, "profile", format).expect("generated input reads");
        comments += threads.iter().map(|t| t.comments.len()).sum::<usize>();
    }
    println!("{} bytes x {passes} passes, {comments} comments", page.len());
}
