//! The command line as a user runs it.

use crate::util::{fixture, seed, threadlens};

#[test]
fn tree_prints_the_outline_and_diagnostics_on_stderr() {
    let out = threadlens(&["tree", seed("001").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 68);
    assert_eq!(
        lines[0],
        "Very Dangerous Escalation In Syria [001_1ff2f1cad038d70a] — 67 comments, 40 participants, max depth 4"
    );
    assert!(lines[1].starts_with("  MD Ranix (c1 line 46): shameless zio satanic"));
    assert!(lines[55].starts_with("          Harold Smith (c55 line 316): You’re obviously a jew liar"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("001_1ff2f1cad038d70a.txt:211: unattributed_comment: paragraph indented"), "{stderr}");
}

#[test]
fn export_csv_columns_and_rows() {
    let out = threadlens(&["export", seed("001").to_str().unwrap(), "--to", "csv"]);
    assert!(out.status.success());
    let mut rdr = csv::Reader::from_reader(&out.stdout[..]);
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(&headers[..7], ["thread_id", "comment_id", "parent_id", "depth", "author", "line", "text"]);
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 67);
    let row = rows.iter().find(|r| &r[5] == "316").unwrap();
    assert_eq!((&row[1], &row[2], &row[3], &row[4]), ("c55", "c54", "4", "Harold Smith"));
    assert_eq!(&rows[0][2], "", "top-level comments have an empty parent_id");
}

#[test]
fn export_to_file_is_written_whole() {
    let dir = std::env::temp_dir().join(format!("threadlens-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out.csv");
    let out = threadlens(&["export", seed("001").to_str().unwrap(), "-o", path.to_str().unwrap()]);
    assert!(out.status.success());
    let written = std::fs::read_to_string(&path).unwrap();
    let stdout = threadlens(&["export", seed("001").to_str().unwrap()]).stdout;
    assert_eq!(written.as_bytes(), &stdout[..], "the file holds exactly what stdout would");
    assert!(written.starts_with("thread_id,comment_id,parent_id,depth,author,line,text,status,"));
    assert!(std::fs::read_dir(&dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains("partial")));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stdin_and_format_override() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_threadlens"))
        .args(["tree", "-", "--format", "csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"id,parent_id,author,text\n1,,ann,hello\n2,1,bob,hi\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().nth(2).unwrap(), "    bob (2): hi");
}

#[test]
fn exit_codes() {
    assert_eq!(threadlens(&[]).status.code(), Some(2), "no subcommand is a usage error");
    assert_eq!(threadlens(&["tree"]).status.code(), Some(2));
    assert_eq!(threadlens(&["tree", "x", "--format", "nope"]).status.code(), Some(2));
    let out = threadlens(&["tree", fixture("no/such/file.txt").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("file.txt: cannot read"));
}

#[test]
fn help_teaches() {
    let out = threadlens(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("Examples:"));
    assert!(help.contains("tree"));
    assert!(help.contains("export"));
}

#[test]
fn output_to_a_device_writes_through_it() {
    // `-o /dev/null` must not replace the device with a regular file.
    let out = threadlens(&["export", seed("001").to_str().unwrap(), "-o", "/dev/null"]);
    assert!(out.status.success());
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(!meta.is_file(), "/dev/null is still a device");
}

#[test]
fn parallel_output_is_identical_to_sequential() {
    let dir = std::env::temp_dir().join(format!("threadlens-jobs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let corpus = dir.join("corpus.jsonl");
    assert!(threadlens(&[
        "gen",
        "--threads",
        "300",
        "--comments",
        "20",
        "--to",
        "jsonl",
        "-o",
        corpus.to_str().unwrap()
    ])
    .status
    .success());
    let one = threadlens(&["-j", "1", "export", corpus.to_str().unwrap()]);
    let two = threadlens(&["-j", "2", "export", corpus.to_str().unwrap()]);
    assert!(one.status.success() && two.status.success());
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(csv::Reader::from_reader(&one.stdout[..]).records().count(), 300 * 20);
    let r1 = threadlens(&["-j", "1", "report", corpus.to_str().unwrap(), "--to", "json"]);
    let r2 = threadlens(&["-j", "2", "report", corpus.to_str().unwrap(), "--to", "json"]);
    assert_eq!(r1.stdout, r2.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}
