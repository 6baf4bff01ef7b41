//! Opening files without following symbolic links or blocking on special files.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Opens `path` for reading. The last component is not followed when it is a symbolic link
/// (the open fails), and a FIFO or device does not block the open.
pub fn open_no_follow(path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    return open_with(path, libc::O_NOFOLLOW | libc::O_NONBLOCK);
    #[cfg(not(unix))]
    return File::open(path);
}

/// Opens `path` for reading, following links (the user named it), without a FIFO or device
/// blocking the open.
pub fn open_nonblocking(path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    return open_with(path, libc::O_NONBLOCK);
    #[cfg(not(unix))]
    return File::open(path);
}

#[cfg(unix)]
fn open_with(path: &Path, flags: i32) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new().read(true).custom_flags(flags).open(path)
}

/// Creates `path`, which must not exist (not even as a dangling symbolic link), for writing.
pub fn create_new_no_follow(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Reads at most `limit` bytes of the regular file `path`, not following a link at its last
/// component. `Ok(None)` when it is not a regular file.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let file = open_no_follow(path)?;
    if !file.metadata()?.is_file() {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    file.take(limit).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}
