//! Integration tests: the real readers and CLI over `fixtures/`.

mod util;

mod bad_input;
mod browser_dumps;
mod cli;
mod edgelist;
mod line_accounting;
mod properties;
mod report;
mod seeds;
mod snapshots;
mod spill;
