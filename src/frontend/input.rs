//! Reading input text: at most [`MAX_INPUT_BYTES`](crate::yaml::MAX_INPUT_BYTES) from a file or
//! a stream, then decoded (UTF-8, with or without a byte order mark, or UTF-16 with one, as the
//! YAML specification asks of readers). The one place front ends turn bytes into text.

use std::io::Read;
use std::path::Path;

use crate::yaml::MAX_INPUT_BYTES;

/// Why input could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// The operating system refused (no such file, permission, ...): a setup problem.
    Io(std::io::Error),
    /// The bytes are not text this crate reads, or there are too many: invalid input.
    Input(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::Input(m) => f.write_str(m),
        }
    }
}

/// Reads at most [`MAX_INPUT_BYTES`] from `reader` and decodes them.
pub fn read_text(reader: impl Read) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ReadError::Input(format!(
            "more than {MAX_INPUT_BYTES} bytes; larger inputs are not read"
        )));
    }
    decode(bytes).map_err(ReadError::Input)
}

/// Reads the file at `path` as [`read_text`] does. A FIFO or pipe the user names (`<(...)`) is
/// read while a writer holds it open; one that no writer holds reads as empty instead of
/// blocking the run forever (the file is opened without blocking, and reads wait for data).
pub fn read_file(path: &Path) -> Result<String, ReadError> {
    let file = crate::frontend::fsread::open_nonblocking(path).map_err(ReadError::Io)?;
    read_text(Waiting(file))
}

/// A reader opened without blocking that waits for data: a read that would block is tried again
/// shortly. (Regular files never block; a pipe with a live writer delivers in time; a FIFO
/// without one reads as its end.)
struct Waiting(std::fs::File);

impl Read for Waiting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match self.0.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                other => return other,
            }
        }
    }
}

/// Reads the regular file `path` as [`read_text`] does, without following a symbolic link at
/// its last component or blocking on a FIFO: for files chosen in a folder, where a link may
/// have been put in place since they were chosen. Anything but a regular file is an
/// [`ReadError::Io`] of kind `InvalidInput`.
pub fn read_chosen(path: &Path) -> Result<String, ReadError> {
    let file = crate::frontend::fsread::open_no_follow(path).map_err(ReadError::Io)?;
    if !file.metadata().map_err(ReadError::Io)?.is_file() {
        return Err(ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    read_text(file)
}

/// Bytes to text: UTF-8 (a leading byte order mark dropped), or UTF-16 with a byte order mark.
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let utf16 = |bytes: &[u8], pair: fn([u8; 2]) -> u16| {
        if !bytes.len().is_multiple_of(2) {
            return Err("UTF-16 text with an odd number of bytes".to_owned());
        }
        char::decode_utf16(bytes.chunks_exact(2).map(|c| pair([c[0], c[1]])))
            .collect::<Result<String, _>>()
            .map_err(|_| "UTF-16 text with an unpaired surrogate".to_owned())
    };
    match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, rest @ ..] => decode_utf8(rest.to_vec()),
        [0x00, 0x00, 0xFE, 0xFF, ..] | [0xFF, 0xFE, 0x00, 0x00, ..] => {
            Err("UTF-32 text; save it as UTF-8".to_owned())
        }
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => decode_utf8(bytes),
    }
}

fn decode_utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (byte {} is not part of a UTF-8 character); save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_with_and_without_a_byte_order_mark_and_utf16() {
        assert_eq!(decode(b"a: 1\n".to_vec()).unwrap(), "a: 1\n");
        assert_eq!(decode(b"\xEF\xBB\xBFa: 1\n".to_vec()).unwrap(), "a: 1\n");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a: é\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(le).unwrap(), "a: é\n");
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("a: 1\n".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(be).unwrap(), "a: 1\n");
        assert!(
            decode(vec![0x61, 0xFF, 0x00])
                .unwrap_err()
                .contains("byte 1")
        );
    }

    #[test]
    fn reads_no_more_than_the_limit() {
        let big = std::io::repeat(b'a').take(MAX_INPUT_BYTES as u64 + 10);
        assert!(matches!(read_text(big), Err(ReadError::Input(_))));
    }
}
