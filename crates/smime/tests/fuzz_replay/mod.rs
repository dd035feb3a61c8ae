//! Replaying a cargo-fuzz corpus (fuzz/corpus/<target>/) through a target's entry point:
//! shared by the corpus tests of every crate with fuzz targets (smime's fuzz_corpus.rs;
//! other crates include this file by path).

use std::io::Write;
use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "{}: the corpus has no files",
        dir.display()
    );
    assert!(
        files.iter().any(|p| p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("seed-"))),
        "{}: no seed-* input",
        dir.display()
    );
    files
}

pub fn replay(target: &str, run: fn(&[u8])) {
    let files = corpus(target);
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Straight to stderr, past the test harness's capture, so that it survives an abort.
        let _ = writeln!(
            std::io::stderr(),
            "{target}: {} ({} bytes)",
            path.display(),
            bytes.len()
        );
        let result = std::panic::catch_unwind(|| run(&bytes));
        assert!(
            result.is_ok(),
            "{target}: {} panicked (see the message above)",
            path.display()
        );
    }
    eprintln!("{target}: {} inputs replayed", files.len());
}
