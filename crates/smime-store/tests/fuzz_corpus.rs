//! Replays the corpus of smime-store's fuzz target (fuzz/corpus/backup_archive/: the
//! `seed-*` inputs and any `crash-*` input a fuzzing run found) through the target's entry
//! point, so every finding stays a regression test on stable Rust.

#[path = "../../smime/tests/fuzz_replay/mod.rs"]
mod fuzz_replay;

fn read(data: &[u8]) {
    let _ = smime_store::backup::fuzz_archive(data);
}

#[test]
fn backup_archive_corpus() {
    fuzz_replay::replay("backup_archive", read);
}

/// The seeds reach past the passphrase check and through every table: a corpus of
/// refusals would fuzz the header only.
#[test]
fn backup_archive_seeds_are_read_as_intended() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/backup_archive");
    let archive = std::fs::read(dir.join("seed-store-backup.bin")).expect("read the seed");
    let (as_archive, _) = smime_store::backup::fuzz_archive(&archive);
    let summary = as_archive.expect("the archive seed reads");
    let rows: u64 = summary.tables.iter().map(|(_, n)| n).sum();
    assert_eq!(summary.tables.len(), smime_store::backup::TABLES.len());
    assert!(
        summary.tables.iter().all(|(_, n)| *n > 0),
        "{:?}",
        summary.tables
    );
    let contents = std::fs::read(dir.join("seed-store-contents.bin")).expect("read the seed");
    let (_, as_contents) = smime_store::backup::fuzz_archive(&contents);
    let from_contents = as_contents.expect("the contents seed reads");
    assert_eq!(from_contents.tables, summary.tables);
    assert!(rows > 10);
}
