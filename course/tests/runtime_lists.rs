//! Every chapter's `[package.metadata.course] runtime = [...]` list (what
//! the chapter brings to ghetto-loop, or grows in it; `make diff` shows
//! those files) names files that exist.

use std::fs;
use std::io;
use std::path::Path;

/// The quoted paths of the `runtime = [...]` list in a chapter's Cargo.toml.
fn runtime_list(manifest: &str) -> Vec<String> {
    let Some(section) = manifest.split("[package.metadata.course]").nth(1) else {
        return Vec::new();
    };
    // The section ends at the next table header.
    let section = section.split("\n[").next().unwrap_or("");
    // From the line that starts `runtime =` to the closing bracket.
    let Some(start) = section.find("\nruntime") else {
        return Vec::new();
    };
    let list = section[start..].split(']').next().unwrap_or("");
    list.lines()
        // A comment may mention a path; only the list's own strings count.
        .map(|line| line.split('#').next().unwrap_or(""))
        .flat_map(|line| line.split('"').skip(1).step_by(2))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_listed_runtime_file_exists() -> io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (mut chapters, mut listed) = (0, 0);
    for entry in fs::read_dir(root.join("chapters"))? {
        let dir = entry?.path();
        let Ok(manifest) = fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        chapters += 1;
        let chapter = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for file in runtime_list(&manifest) {
            assert!(
                root.join("ghetto-loop").join(&file).is_file(),
                "chapter {chapter} lists ghetto-loop/{file}, which does not exist"
            );
            listed += 1;
        }
    }
    assert!(chapters >= 20, "found only {chapters} chapters");
    assert!(listed > 40, "found only {listed} listed files");
    Ok(())
}

#[test]
fn the_list_parser_reads_one_line_and_many_line_lists() {
    let one = "[package.metadata.course]\nruntime = [\"src/a.rs\", \"src/b.rs\"]\n\n[dependencies]\nx = \"1\"\n";
    assert_eq!(runtime_list(one), ["src/a.rs", "src/b.rs"]);
    let many = "[package.metadata.course]\n# see \"src/not.rs\"\nruntime = [\n    \"src/a.rs\", # \"src/c.rs\"\n    \"src/b.rs\",\n]\n";
    assert_eq!(runtime_list(many), ["src/a.rs", "src/b.rs"]);
    assert!(runtime_list("[package]\nname = \"x\"\n").is_empty());
}
