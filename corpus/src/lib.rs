//! Where the conformance corpus is, for tests, benches and build scripts.
//!
//! The real-world OpenAPI documents the generator is tried on are not part of
//! this repository. [`manifest.tsv`](../manifest.tsv) pins each one (upstream
//! URL, commit, sha256, license) and `scripts/fetch-corpus.sh` downloads and
//! verifies them. This crate is the one place that knows where they live:
//!
//! 1. `$PASARELA_CORPUS`, when set;
//! 2. else `../shared/corpus` beside the project, when present.
//!
//! When neither exists, [`dir`] and [`document`] print
//! `skipped: <what> (set PASARELA_CORPUS or run scripts/fetch-corpus.sh)` and
//! return `None`: the caller returns early and the test passes.

use std::path::{Path, PathBuf};

/// The environment variable naming the corpus directory.
pub const ENV: &str = "PASARELA_CORPUS";

/// The manifest, as checked in.
pub const MANIFEST: &str = include_str!("../manifest.tsv");

/// Whether one manifest entry is a single document or a directory of files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One file, checked with its own sha256.
    File,
    /// A directory (a document split over many files), checked with the
    /// sha256 of its `sha256sum` listing.
    Tree,
}

/// One line of the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The path under the corpus directory (`oxide.json`, `more/box.json`).
    pub document: String,
    /// A file or a directory.
    pub kind: Kind,
    /// Where the fetch script downloads it from.
    pub url: String,
    /// The upstream commit it is pinned to (40 hex digits).
    pub commit: String,
    /// Its path in the upstream repository.
    pub upstream_path: String,
    /// Its sha256 (64 hex digits).
    pub sha256: String,
    /// The upstream repository's license (SPDX identifier).
    pub license: String,
    /// For a [`Kind::Tree`], the file inside it that is the document.
    pub entry: Option<String>,
}

/// A malformed manifest line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "manifest.tsv:{}: {}", self.line, self.message)
    }
}

impl std::error::Error for ManifestError {}

/// Reads a manifest: `#` comments, one header line, then one tab-separated
/// entry per line with every field checked.
pub fn parse_manifest(text: &str) -> Result<Vec<Entry>, ManifestError> {
    const HEADER: &str = "document\tkind\turl\tcommit\tupstream_path\tsha256\tlicense\tentry";
    let mut entries: Vec<Entry> = Vec::new();
    let mut header_seen = false;
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let fail = |message: String| ManifestError {
            line: line_no,
            message,
        };
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !header_seen {
            if line != HEADER {
                return Err(fail(format!("the header must be `{HEADER}`")));
            }
            header_seen = true;
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [document, kind, url, commit, upstream_path, sha256, license, entry] = fields[..]
        else {
            return Err(fail(format!("{} fields, expected 8", fields.len())));
        };
        let kind = match kind {
            "file" => Kind::File,
            "tree" => Kind::Tree,
            other => return Err(fail(format!("kind `{other}` is neither file nor tree"))),
        };
        let hex = |s: &str, len: usize| {
            s.len() == len
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        if document.is_empty()
            || document.starts_with('/')
            || document
                .split('/')
                .any(|part| part == ".." || part.is_empty())
        {
            return Err(fail(format!(
                "document `{document}` is not a relative path"
            )));
        }
        if !url.starts_with("https://") || !url.contains(commit) {
            return Err(fail(format!(
                "url `{url}` is not https or does not name the commit"
            )));
        }
        if !hex(commit, 40) {
            return Err(fail(format!("commit `{commit}` is not 40 hex digits")));
        }
        if !hex(sha256, 64) {
            return Err(fail(format!("sha256 `{sha256}` is not 64 hex digits")));
        }
        if upstream_path.is_empty() || license.is_empty() {
            return Err(fail("upstream_path and license are required".into()));
        }
        if (kind == Kind::Tree) == entry.is_empty() {
            return Err(fail(
                "a tree names its entry file, and only a tree does".into(),
            ));
        }
        if entries.iter().any(|e| e.document == document) {
            return Err(fail(format!("document `{document}` is listed twice")));
        }
        entries.push(Entry {
            document: document.into(),
            kind,
            url: url.into(),
            commit: commit.into(),
            upstream_path: upstream_path.into(),
            sha256: sha256.into(),
            license: license.into(),
            entry: (!entry.is_empty()).then(|| entry.to_string()),
        });
    }
    if !header_seen {
        return Err(ManifestError {
            line: 0,
            message: "no header line".into(),
        });
    }
    Ok(entries)
}

/// The checked-in manifest's entries.
///
/// # Panics
/// When the checked-in manifest is malformed (its own test catches that).
pub fn entries() -> Vec<Entry> {
    parse_manifest(MANIFEST).unwrap_or_else(|e| panic!("{e}"))
}

/// Where the corpus would be, whether or not it exists: `$PASARELA_CORPUS`,
/// else `../shared/corpus` beside the project.
pub fn location() -> PathBuf {
    match std::env::var_os(ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
    }
}

/// The corpus directory, or `None` after printing that `what` is skipped.
pub fn dir(what: &str) -> Option<PathBuf> {
    let dir = location();
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(what);
        None
    }
}

/// The corpus directory if it exists, saying nothing (for build scripts and
/// benches that only widen their set when it is there).
pub fn dir_quiet() -> Option<PathBuf> {
    let dir = location();
    dir.is_dir().then_some(dir)
}

/// One document of the manifest (`"openai-3.0.yaml"`), or `None` after
/// printing that `what` is skipped.
///
/// # Panics
/// When `document` is not in the manifest: every document a test uses is
/// pinned there.
pub fn document(document: &str, what: &str) -> Option<PathBuf> {
    assert!(
        entries().iter().any(|e| e.document == document),
        "{document} is not in corpus/manifest.tsv: pin it there first"
    );
    let path = location().join(document);
    if path.exists() {
        Some(path)
    } else {
        skip(what);
        None
    }
}

/// Every document of the manifest present in the corpus, by its manifest
/// path; a `tree` entry is given as its directory. Documents absent from the
/// directory are left out.
pub fn present(dir: &Path) -> Vec<(Entry, PathBuf)> {
    entries()
        .into_iter()
        .filter_map(|entry| {
            let path = dir.join(&entry.document);
            path.exists().then_some((entry, path))
        })
        .collect()
}

/// Every document of the manifest present in `dir`, as the file to read:
/// a file entry itself, a tree's entry file.
pub fn document_files(dir: &Path) -> Vec<PathBuf> {
    present(dir)
        .into_iter()
        .map(|(entry, path)| match &entry.entry {
            Some(file) => path.join(file),
            None => path,
        })
        .collect()
}

/// Prints the line a test prints when it skips for want of the corpus.
pub fn skip(what: &str) {
    println!(
        "skipped: {what} (set {ENV} or run scripts/fetch-corpus.sh; looked in {})",
        location().display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_is_well_formed() {
        let entries = parse_manifest(MANIFEST).expect("manifest.tsv parses");
        assert!(entries.len() >= 9, "{entries:?}");
        for entry in &entries {
            assert!(entry.url.contains(&entry.commit), "{entry:?}");
        }
    }

    #[test]
    fn malformed_lines_are_refused_with_their_line() {
        let header = "document\tkind\turl\tcommit\tupstream_path\tsha256\tlicense\tentry\n";
        let commit = "a".repeat(40);
        let sha = "b".repeat(64);
        let good = format!("x.yaml\tfile\thttps://h/{commit}/x\t{commit}\tx\t{sha}\tMIT\t\n");
        assert!(parse_manifest(&format!("{header}{good}")).is_ok());
        for (bad, says) in [
            (good.replace("file", "blob"), "kind"),
            (good.replace(&sha, "c0ffee"), "sha256"),
            (good.replace("https://h", "http://h"), "url"),
            (good.replace("x.yaml", "../x.yaml"), "relative"),
            (good.replace("\tMIT", ""), "fields"),
            (good.replace("MIT\t", "MIT\tentry.yaml"), "entry"),
            (format!("{good}{good}"), "twice"),
        ] {
            let e = parse_manifest(&format!("# c\n{header}{bad}")).expect_err(&bad);
            assert!(e.message.contains(says), "{e}");
            assert!(e.line >= 3, "{e}");
        }
        assert!(parse_manifest(&good).is_err(), "no header");
    }

    /// Every document a test, bench or build script asks for by name is
    /// pinned in the manifest (they ask through [`document`]).
    #[test]
    fn every_document_named_in_the_project_is_in_the_manifest() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let known: Vec<String> = entries().into_iter().map(|e| e.document).collect();
        let mut named = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(read) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in read.filter_map(Result::ok) {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if path.is_dir() {
                    if !matches!(name.as_str(), "target" | ".git" | "generated") {
                        stack.push(path);
                    }
                } else if name.ends_with(".rs") {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    let needle = concat!("corpus::", "document(\"");
                    for (at, _) in text.match_indices(needle) {
                        let rest = &text[at + needle.len()..];
                        if let Some(end) = rest.find('"') {
                            named.push((path.clone(), rest[..end].to_string()));
                        }
                    }
                }
            }
        }
        assert!(!named.is_empty(), "the tests name corpus documents");
        for (file, document) in named {
            assert!(
                known.contains(&document),
                "{} names {document}, which corpus/manifest.tsv does not pin",
                file.display()
            );
        }
    }

    fn sha256_hex(bytes: &[u8]) -> String {
        use sha2::Digest;
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The `sha256sum` listing of every file under `root`, as the fetch
    /// script computes it: `./relative/path` in byte order.
    fn tree_sha256(root: &Path) -> String {
        let mut files = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)
                .expect("tree")
                .filter_map(Result::ok)
            {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let rel = path.strip_prefix(root).expect("under root");
                    files.push((format!("./{}", rel.to_string_lossy()), path));
                }
            }
        }
        files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let listing: String = files
            .iter()
            .map(|(rel, path)| {
                let bytes = std::fs::read(path).expect("tree file");
                format!("{}  {rel}\n", sha256_hex(&bytes))
            })
            .collect();
        sha256_hex(listing.as_bytes())
    }

    /// When the corpus is present, it is what the manifest pins: every entry
    /// there has its checksum, and no document sits beside them unlisted.
    #[test]
    fn a_present_corpus_matches_the_manifest() {
        let Some(dir) = dir("checksums of the corpus documents") else {
            return;
        };
        for (entry, path) in present(&dir) {
            let actual = match entry.kind {
                Kind::File => sha256_hex(&std::fs::read(&path).expect("corpus document")),
                Kind::Tree => tree_sha256(&path),
            };
            assert_eq!(
                actual, entry.sha256,
                "{} differs from the pinned bytes",
                entry.document
            );
        }
        let listed: Vec<String> = entries().into_iter().map(|e| e.document).collect();
        for item in std::fs::read_dir(&dir)
            .expect("corpus dir")
            .filter_map(Result::ok)
        {
            let name = item.file_name().to_string_lossy().into_owned();
            let is_document = [".yaml", ".yml", ".json"].iter().any(|e| name.ends_with(e));
            if is_document {
                assert!(
                    listed.contains(&name),
                    "{name} is in the corpus but not in the manifest"
                );
            }
        }
    }
}
