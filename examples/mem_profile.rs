//! The `threadlens` command line with the system allocator, for heap
//! profiling (the binary uses mimalloc, whose pages valgrind's massif does
//! not see as heap blocks). See docs/performance.md, "Memory of one thread":
//!
//! ```sh
//! cargo build --release --example mem_profile
//! valgrind --tool=massif target/release/examples/mem_profile tree page.txt
//! ```

fn main() {
    std::process::exit(threadlens::cli::main());
}
