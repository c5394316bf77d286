fn main() {
    std::process::exit(threadlens::cli::main());
}
