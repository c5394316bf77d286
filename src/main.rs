// mimalloc: a comment is several small allocations (id, author, text);
// glibc malloc spent ~25 % of the text reader's instructions on them
// (docs/performance.md). The library leaves the choice to its users.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(threadlens::cli::main());
}
