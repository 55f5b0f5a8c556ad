//! The fuzz target's seed corpus and every input it ever found a bug with, run through
//! the same entry point on a plain `cargo test`, so a fixed bug stays fixed without a
//! fuzzer installed.

use std::fs;
use std::path::{Path, PathBuf};

use ocpp_gateway::ocpp::fuzz::exercise;

/// The files of `fuzz/<dir>`, sorted, each checked to be a file.
fn inputs(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.file_name().is_some_and(|n| n != ".gitkeep"))
        .collect();
    files.sort();
    files
}

fn run_all(dir: &str, at_least: usize) {
    let files = inputs(dir);
    assert!(
        files.len() >= at_least,
        "fuzz/{dir} holds {} inputs, expected at least {at_least}",
        files.len()
    );
    for file in files {
        let data = fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        // A panic names the input that caused it.
        eprintln!("{}", file.display());
        exercise(&data);
    }
}

#[test]
fn seed_corpus_runs_through_the_wire_layer() {
    run_all("seeds/decode", 39);
}

/// Empty until a run finds something; the folder must still be there, so that a moved
/// or misspelt folder fails here instead of passing on nothing.
#[test]
fn every_fuzz_finding_stays_fixed() {
    run_all("regressions", 0);
}
