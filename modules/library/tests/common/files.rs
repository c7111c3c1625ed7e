//! The files a library root holds, as the tests compare them.

use std::path::Path;

/// Every file under `root`, relative to it and sorted, the index folder excluded; none
/// when `root` does not exist yet.
pub fn library_files(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    collect(root, root, &mut files);
    files.sort();
    files
}

fn collect(root: &Path, folder: &Path, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() == ".soulspot" {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            files.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
}
