//! The tree's shape, checked where CI runs: the macro reads nothing but its tokens, and no source
//! file of the runtime or the macro grows past 450 lines (one concern per file).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources(crate_dir: &str) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(crate_dir)
        .join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty(), "no sources under {}", root.display());
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

#[test]
fn the_macro_reads_no_files() {
    for (path, text) in sources("actor-macros") {
        for needle in [
            "std::fs",
            "read_to_string",
            "CARGO_MANIFEST_DIR",
            "local_file",
        ] {
            assert!(!text.contains(needle), "{} uses `{needle}`", path.display());
        }
    }
}

#[test]
fn no_source_file_is_over_450_lines() {
    for krate in ["actor-core", "actor-macros"] {
        for (path, text) in sources(krate) {
            let lines = text.lines().count();
            assert!(lines <= 450, "{} has {lines} lines", path.display());
        }
    }
}
