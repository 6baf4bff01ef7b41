//! The one seed reader of every front end.
//!
//! A seed comes from a file (`--seed-file`, the `seedFile` option) or from an environment
//! variable ([`SEED_ENV`], or another one an Argo CD parameter names). Messages name the file or
//! the variable, never the bytes.

use std::io::Read;
use std::path::Path;

use crate::options::Seed;

/// The environment variable that holds the seed when nothing else names a source.
pub const SEED_ENV: &str = "EVENTBUS_GEN_SEED";

/// The most bytes a seed file may hold: a seed is a short secret, and a path such as
/// `/dev/zero` must not be read until memory runs out.
pub const MAX_SEED_FILE_LEN: u64 = 4096;

/// Reads the seed in the file at `path`. Only a regular file is read, and at most
/// [`MAX_SEED_FILE_LEN`] bytes of it.
pub fn from_file(path: &Path) -> Result<Seed, String> {
    let shown = path.display();
    // Checked before opening: opening a FIFO would wait for a writer.
    let kind =
        std::fs::metadata(path).map_err(|e| format!("cannot read the seed file {shown}: {e}"))?;
    if !kind.is_file() {
        return Err(format!("the seed file {shown} is not a regular file"));
    }
    let file = crate::frontend::fsread::open_nonblocking(path)
        .map_err(|e| format!("cannot read the seed file {shown}: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read the seed file {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("the seed file {shown} is not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_SEED_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the seed file {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_SEED_FILE_LEN {
        return Err(format!(
            "the seed file {shown} holds more than {MAX_SEED_FILE_LEN} bytes; a seed is a short \
             secret, such as the output of `openssl rand -base64 32`"
        ));
    }
    Seed::new(bytes).map_err(|m| format!("seed file {shown}: {m}"))
}

/// Reads the seed in the value of the variable `name`; `Ok(None)` when it is unset or empty.
pub fn from_env(name: &str, value: Option<&[u8]>) -> Result<Option<Seed>, String> {
    match value {
        Some(v) if !v.is_empty() => Seed::new(v).map(Some).map_err(|m| format!("{name}: {m}")),
        _ => Ok(None),
    }
}

/// The seed: from the file when one is named, else from [`SEED_ENV`] (its value given as
/// `env`).
pub fn read(file: Option<&Path>, env: Option<&[u8]>) -> Result<Option<Seed>, String> {
    match file {
        Some(path) => from_file(path).map(Some),
        None => from_env(SEED_ENV, env),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_variables_are_read_and_never_shown() {
        let dir = std::env::temp_dir().join(format!("ebg-seed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("seed");
        std::fs::write(&good, "0123456789abcdef-seed\n").unwrap();
        assert!(from_file(&good).is_ok());
        let short = dir.join("short");
        std::fs::write(&short, "tiny-secret").unwrap();
        let e = from_file(&short).unwrap_err();
        assert!(!e.contains("tiny-secret") && e.contains("short"), "{e}");
        let big = dir.join("big");
        std::fs::write(&big, vec![b'a'; 5000]).unwrap();
        assert!(
            from_file(&big)
                .unwrap_err()
                .contains("more than 4096 bytes")
        );
        assert!(from_file(&dir).unwrap_err().contains("not a regular file"));
        assert!(from_file(&dir.join("absent")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();

        assert!(read(None, None).unwrap().is_none());
        assert!(read(None, Some(b"")).unwrap().is_none());
        let e = read(None, Some(b"tiny-secret")).unwrap_err();
        assert!(e.starts_with(SEED_ENV) && !e.contains("tiny-secret"), "{e}");
        assert!(read(None, Some(b"0123456789abcdef-x")).unwrap().is_some());
    }
}
