//! Issue 7: Pushshift dumps larger than memory. `--memory-limit` groups
//! through temporary partition files; the output must be byte for byte the
//! in-memory path's, and the temporary files must go on success, failure
//! and Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::util::fixture;

/// A fresh, empty temporary directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threadlens-test-spill-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The names left in `dir`.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn run(args: &[&str], stdin: Option<&Path>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_threadlens"));
    c.args(args);
    if let Some(p) = stdin {
        c.stdin(std::fs::File::open(p).unwrap());
    }
    c.output().expect("binary runs")
}

#[test]
fn partitioned_export_is_byte_for_byte_the_in_memory_export() {
    let interleaved = fixture("spill/RC_interleaved.ndjson");
    let rc_zst = fixture("formats/pushshift/RC_2020-09.ndjson.zst");
    let rc_gz = fixture("formats/pushshift/RC_2020-09.ndjson.gz");
    let rs = fixture("formats/pushshift/RS_2020-09.ndjson");
    let s = |p: &PathBuf| p.to_str().unwrap().to_string();
    // (input args, first line of stderr's summary)
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![s(&interleaved)], "pushshift: 4 threads, 280 comments read, 3 records skipped (3 malformed)"),
        (vec![s(&interleaved), "--to".into(), "text".into()], "pushshift: 4 threads, 280 comments read"),
        (vec![s(&interleaved), "--to".into(), "edges-csv".into()], "pushshift: 4 threads, 280 comments read"),
        (vec![s(&interleaved), "--to".into(), "authors-csv".into()], "pushshift: 4 threads, 280 comments read"),
        // A Pushshift file and an edge list (read in memory) in one export.
        (
            vec![
                s(&interleaved),
                fixture("edgelist/thread.jsonl").to_str().unwrap().into(),
                "--to".into(),
                "edges-csv".into(),
            ],
            "jsonl: 1 thread, 4 comments read",
        ),
        (vec![s(&rc_zst), "--submissions".into(), s(&rs)], "pushshift: 2 threads, 7 comments read, 2 missing parents"),
        (vec![s(&rc_gz), "--format".into(), "pushshift".into()], "pushshift: 2 threads, 7 comments read"),
        // Two files: one header, the threads of each file in turn.
        (vec![s(&rc_zst), s(&interleaved)], "pushshift: 4 threads, 280 comments read"),
    ];
    for (args, summary) in cases {
        let tmp = scratch("same");
        let mut base: Vec<&str> = vec!["export"];
        base.extend(args.iter().map(String::as_str));
        let memory = run(&base, None);
        let mut spilled = base.clone();
        spilled.extend(["--memory-limit", "1K", "--temp-dir", tmp.to_str().unwrap()]);
        let partitioned = run(&spilled, None);
        assert!(memory.status.success() && partitioned.status.success(), "{args:?}");
        assert!(!memory.stdout.is_empty());
        assert_eq!(memory.stdout, partitioned.stdout, "{args:?}: same output bytes");
        assert_eq!(
            String::from_utf8_lossy(&memory.stderr),
            String::from_utf8_lossy(&partitioned.stderr),
            "{args:?}: same diagnostics"
        );
        assert!(String::from_utf8_lossy(&partitioned.stderr).contains(summary), "{args:?}");
        assert_eq!(entries(&tmp), Vec::<String>::new(), "{args:?}: temporary files removed");
        std::fs::remove_dir(&tmp).unwrap();
    }
}

#[test]
fn interleaved_threads_come_out_in_order_of_first_line() {
    let tmp = scratch("order");
    let f = fixture("spill/RC_interleaved.ndjson");
    let out = run(&["export", f.to_str().unwrap(), "--memory-limit", "1K", "--temp-dir", tmp.to_str().unwrap()], None);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut order: Vec<String> = Vec::new();
    let mut rows = 0;
    for r in rdr.records() {
        let r = r.unwrap();
        rows += 1;
        if order.last().map(String::as_str) != Some(&r[0]) {
            order.push(r[0].to_string());
        }
    }
    // Each thread's rows together, threads in order of their first line
    // (lines 1, 2, 3 and 36 of the fixture), though their lines interleave.
    assert_eq!(order, ["fo7p5b", "57dw9a", "6wmniq", "3hahrw"].map(String::from));
    assert_eq!(rows, 280);
    let first = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
    assert!(first.lines().nth(1).unwrap().contains("\"link_id\": \"t3_57dw9a\""));
    std::fs::remove_dir(&tmp).unwrap();
}

#[test]
fn a_small_input_under_the_limit_is_read_in_memory() {
    // A temporary directory that cannot be created only matters when the
    // input is partitioned: 1K partitions, 4G does not.
    let f = fixture("spill/RC_interleaved.ndjson");
    let missing = std::env::temp_dir().join("threadlens-test-no-such-dir/below");
    let small =
        run(&["export", f.to_str().unwrap(), "--memory-limit", "4G", "--temp-dir", missing.to_str().unwrap()], None);
    assert!(small.status.success());
    let big =
        run(&["export", f.to_str().unwrap(), "--memory-limit", "1K", "--temp-dir", missing.to_str().unwrap()], None);
    assert_eq!(big.status.code(), Some(1));
    let err = String::from_utf8_lossy(&big.stderr);
    assert!(err.contains("cannot create a temporary directory"), "{err}");
    assert!(err.contains("threadlens-test-no-such-dir/below/threadlens-"), "the error names the path: {err}");
}

#[test]
fn temporary_files_and_partial_output_go_on_failure() {
    let tmp = scratch("fail");
    let out_dir = scratch("fail-out");
    let f = fixture("spill/RC_interleaved.ndjson");
    let out = out_dir.join("comments.csv");
    let spill = ["--memory-limit", "1K", "--temp-dir", tmp.to_str().unwrap()];
    // --strict: the fixture's malformed lines fail the run, after both
    // passes; nothing is written, as on the in-memory path.
    let mut args = vec!["export", f.to_str().unwrap(), "--strict", "-o", out.to_str().unwrap()];
    args.extend(spill);
    let r = run(&args, None);
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("--strict: the input produced 3 diagnostics"), "{err}");
    assert!(err.contains("RC_interleaved.ndjson:4: malformed_record: invalid JSON"), "{err}");
    assert_eq!(entries(&tmp), Vec::<String>::new());
    assert_eq!(entries(&out_dir), Vec::<String>::new(), "no output, not even a .partial");
    // An output path in a directory that does not exist.
    let nowhere = out_dir.join("missing/comments.csv");
    let mut args = vec!["export", f.to_str().unwrap(), "-o", nowhere.to_str().unwrap()];
    args.extend(spill);
    let r = run(&args, None);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("missing/comments.csv.partial"));
    assert_eq!(entries(&tmp), Vec::<String>::new());
    // A corrupt compressed input fails during the partition pass.
    let cut = out_dir.join("cut.ndjson.zst");
    let zst = std::fs::read(fixture("formats/pushshift/RC_2020-09-long31.ndjson.zst")).unwrap();
    std::fs::write(&cut, &zst[..zst.len() - 20]).unwrap();
    let mut args = vec!["export", cut.to_str().unwrap(), "--format", "pushshift"];
    args.extend(spill);
    let r = run(&args, None);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("cannot read past line"), "{:?}", r);
    assert_eq!(entries(&tmp), Vec::<String>::new());
    for d in [&tmp, &out_dir] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn stream_groups_ungrouped_records_with_a_memory_limit() {
    let tmp = scratch("stream");
    let f = fixture("spill/RC_interleaved.ndjson");
    let spill = ["stream", "--memory-limit", "1K", "--temp-dir", tmp.to_str().unwrap()];
    let r = run(&spill, Some(&f));
    assert!(r.status.success());
    let lines: Vec<serde_json::Value> =
        String::from_utf8(r.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ids: Vec<&str> = lines.iter().map(|l| l["thread_id"].as_str().unwrap()).collect();
    // The line without `link_id` has an `id`: a generic record of thread "".
    assert_eq!(ids, ["fo7p5b", "57dw9a", "6wmniq", "3hahrw", ""]);
    assert_eq!(lines[0]["comments"], 70);
    assert_eq!(lines[0]["max_depth"], 8);
    // 82.6 KB × 4 over a 1 KiB limit: the most partitions.
    assert_eq!(
        String::from_utf8_lossy(&r.stderr),
        "threadlens stream: 5 threads from 282 records (2 lines skipped, grouped by thread through 512 partitions)\n"
    );
    assert_eq!(entries(&tmp), Vec::<String>::new());

    // On grouped input the output is that of the plain stream, byte for byte.
    let text = std::fs::read(&f).unwrap();
    let mut keyed: Vec<(usize, &[u8])> = Vec::new();
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let key = serde_json::from_slice::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v.get("link_id").map(|k| k.to_string().into_bytes()))
            .unwrap_or_default();
        let rank = keys.iter().position(|k| *k == key).unwrap_or_else(|| {
            keys.push(key);
            keys.len() - 1
        });
        keyed.push((rank, line));
    }
    keyed.sort_by_key(|&(rank, _)| rank);
    let grouped = tmp.join("grouped.ndjson");
    std::fs::write(&grouped, keyed.iter().flat_map(|(_, l)| [*l, b"\n"].concat()).collect::<Vec<u8>>()).unwrap();
    let plain = run(&["stream"], Some(&grouped));
    let spilled = run(&spill, Some(&grouped));
    assert!(plain.status.success() && spilled.status.success());
    assert!(String::from_utf8_lossy(&plain.stderr).contains("(2 lines skipped, 0 thread keys seen again"));
    assert!(String::from_utf8_lossy(&spilled.stderr).contains("(2 lines skipped, grouped by thread through"));
    assert_eq!(plain.stdout, spilled.stdout);
    assert_eq!(entries(&tmp), ["grouped.ndjson"]);
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn ctrl_c_removes_temporary_files_and_leaves_no_output() {
    let tmp = scratch("sigint");
    let data = scratch("sigint-data");
    let input = data.join("RC_big.ndjson");
    let out = data.join("comments.csv");
    // 30 MB of generated comments: the partition pass takes seconds in a
    // debug build, long enough to be interrupted in the middle.
    let g = run(
        &["gen", "--to", "pushshift", "--threads", "400", "--comments", "250", "-o", input.to_str().unwrap()],
        None,
    );
    assert!(g.status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_threadlens"))
        .args(["export", input.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .args(["--memory-limit", "1M", "--temp-dir", tmp.to_str().unwrap()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until partition files hold data, then interrupt.
    let started = std::time::Instant::now();
    let spilling = loop {
        let busy = std::fs::read_dir(&tmp).unwrap().flatten().any(|d| {
            std::fs::read_dir(d.path())
                .map(|fs| fs.flatten().any(|f| f.metadata().is_ok_and(|m| m.len() > 0)))
                .unwrap_or(false)
        });
        if busy || started.elapsed().as_secs() > 60 || child.try_wait().unwrap().is_some() {
            break busy;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    assert!(spilling, "the partition pass started");
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on our own child's pid, which has not been waited for.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let result = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted (Ctrl-C); temporary files removed"), "{err}");
    assert_eq!(entries(&tmp), Vec::<String>::new(), "temporary directory removed");
    assert_eq!(entries(&data), ["RC_big.ndjson"], "no output file, complete or partial");
    for d in [&tmp, &data] {
        std::fs::remove_dir_all(d).unwrap();
    }
}
