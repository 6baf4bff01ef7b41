//! YAML output: one stream, block style, every ambiguous string double-quoted.

use serde::Serialize;

use crate::error::{Error, ErrorKind};

#[cfg(test)]
mod differential;
mod scalar;
mod writer;

/// The line between two documents of a stream.
pub(crate) const SEPARATOR: &str = "---\n";

/// Serializes `objects` as a YAML stream with `---` between documents.
pub fn to_yaml_stream<T: Serialize>(objects: &[T]) -> Result<String, Error> {
    let mut out = String::new();
    for o in objects {
        append_yaml(&mut out, o)?;
    }
    Ok(out)
}

/// Appends `object` to the YAML stream in `stream`, after a `---` line unless it is the first.
/// On error, `stream` is left as it was.
pub fn append_yaml<T: Serialize>(stream: &mut String, object: &T) -> Result<(), Error> {
    let before = stream.len();
    if before > 0 {
        stream.push_str(SEPARATOR);
    }
    // Serialized in place: no document-sized string to allocate, grow and copy per object.
    write_document(stream, object).inspect_err(|_| stream.truncate(before))
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
    let mut s = String::with_capacity(DOCUMENT_CAPACITY);
    write_document(&mut s, object)?;
    Ok(s)
}

/// What a rendered object usually takes, so that its string rarely grows more than once.
const DOCUMENT_CAPACITY: usize = 4096;

/// Writes one document at the end of `out`, ending with a newline.
fn write_document<T: Serialize>(out: &mut String, object: &T) -> Result<(), Error> {
    let start = out.len();
    writer::write(out, object)
        .map_err(|e| Error::new(ErrorKind::Io, "", format!("cannot write YAML: {e}")))?;
    // Every node ends its line; only an empty document would not.
    if out.len() == start {
        out.push('\n');
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_writes_what_one_document_at_a_time_would() {
        let docs = [
            serde_json::json!({"a": 1, "b": ["x", "yes"]}),
            serde_json::json!("plain"),
            serde_json::json!({"c": {"d": "2025-01-01"}}),
        ];
        let mut stream = String::new();
        for d in &docs {
            append_yaml(&mut stream, d).unwrap();
        }
        let each: Vec<String> = docs.iter().map(|d| to_yaml(d).unwrap()).collect();
        assert_eq!(stream, each.join(SEPARATOR));
        assert_eq!(to_yaml_stream(&docs).unwrap(), stream);
        assert!(each.iter().all(|d| d.ends_with('\n')));
    }

    #[test]
    fn a_failed_append_leaves_the_stream_as_it_was() {
        struct Fails;
        impl Serialize for Fails {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("no"))
            }
        }
        let mut stream = String::new();
        append_yaml(&mut stream, &serde_json::json!({"a": 1})).unwrap();
        let before = stream.clone();
        assert!(append_yaml(&mut stream, &Fails).is_err());
        assert_eq!(stream, before);
    }
}
