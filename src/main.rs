// mimalloc: a comment is several small allocations (id, author, text);
// glibc malloc spent ~25 % of the text reader's instructions on them
// (docs/performance.md). The library leaves the choice to its users.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    threadlens::read::on_large_free(return_freed_memory);
    std::process::exit(threadlens::cli::main());
}

/// Return the pages mimalloc holds after a large free (it purges them only
/// after about a second): a 195 MB page's input is freed before its thread
/// is built, and its comment drafts while the comments are made; without
/// this they stay resident beside the thread.
fn return_freed_memory() {
    // SAFETY: `mi_collect` takes no pointers and may be called at any time
    // from any thread; with `force` it purges freed memory now.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
