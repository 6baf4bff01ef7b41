//! YAML output: one stream, block style, every ambiguous string double-quoted.

use serde::Serialize;

use crate::error::{Error, ErrorKind};

/// The line between two documents of a stream.
const SEPARATOR: &str = "---\n";

/// Serializes `objects` as a YAML stream with `---` between documents.
pub fn to_yaml_stream<T: Serialize>(objects: &[T]) -> Result<String, Error> {
    let mut out = String::new();
    for o in objects {
        append_yaml(&mut out, o)?;
    }
    Ok(out)
}

/// Appends `object` to the YAML stream in `stream`, after a `---` line unless it is the first.
pub fn append_yaml<T: Serialize>(stream: &mut String, object: &T) -> Result<(), Error> {
    if !stream.is_empty() {
        stream.push_str(SEPARATOR);
    }
    stream.push_str(&to_yaml(object)?);
    Ok(())
}

/// Writes `objects` to `w` as a YAML stream, one document at a time (no whole-stream buffer).
pub fn write_yaml_stream<'a, T: Serialize + 'a, W: std::io::Write>(
    objects: impl IntoIterator<Item = &'a T>,
    mut w: W,
) -> Result<(), std::io::Error> {
    for (i, o) in objects.into_iter().enumerate() {
        if i > 0 {
            w.write_all(SEPARATOR.as_bytes())?;
        }
        let doc = to_yaml(o).map_err(|e| std::io::Error::other(e.to_string()))?;
        w.write_all(doc.as_bytes())?;
    }
    w.flush()
}

/// Serializes one document.
pub fn to_yaml<T: Serialize>(object: &T) -> Result<String, Error> {
    let options = serde_saphyr::ser_options! { folded_wrap_chars: usize::MAX };
    let mut s = serde_saphyr::to_string_with_options(object, options)
        .map_err(|e| Error::new(ErrorKind::Io, "", format!("cannot write YAML: {e}")))?;
    if !s.ends_with('\n') {
        s.push('\n');
    }
    Ok(s)
}
