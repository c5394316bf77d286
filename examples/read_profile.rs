//! Reads a generated 100,000-comment indented page N times, for
//! instruction-count profiling of the text reader (see docs/performance.md):
//!
//! ```sh
//! cargo build --release --example read_profile
//! valgrind --tool=callgrind target/release/examples/read_profile 3
//! ```

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use threadlens::gen::{write_corpus, GenFormat, GenOptions};
use threadlens::read::{read_bytes, Format};

fn main() {
    let passes: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    let opts = GenOptions { threads: 1, comments_per_thread: 100_000, ..GenOptions::default() };
    let mut page = Vec::new();
    write_corpus(&opts, GenFormat::Text, &mut page).expect("writing to memory");
    let mut comments = 0;
    for _ in 0..passes {
        let threads = read_bytes(&page, "profile.txt", Format::Text).expect("generated text reads");
        comments += threads[0].comments.len();
    }
    println!("{} bytes x {passes} passes, {comments} comments", page.len());
}
