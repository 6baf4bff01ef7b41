//! The one error type of the crate, plus warnings.
//!
//! Every problem carries the field path it is about (`spec.nats.native.replicas`) and, where the
//! YAML parser knows it, the line and column in the input. Messages never contain secret values.

use std::fmt;

/// What kind of problem an [`Error`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is not well-formed YAML or JSON.
    Syntax,
    /// A field has the wrong type (a number where a string is expected, ...).
    Type,
    /// A field that the `EventBus` resource does not have.
    UnknownField,
    /// A value breaks a rule of the Argo Events controller or of Kubernetes.
    Invalid,
    /// A valid spec that eventbus-gen cannot render with the given options.
    Unsupported,
    /// A bus needs a credential source (seed, existing Secret or random tokens) and has none,
    /// or its existing Secrets cannot be kept (broken, incomplete or disagreeing).
    Credentials,
    /// A template failed to render; this is a bug in eventbus-gen.
    Template,
    /// Reading input or writing output failed.
    Io,
}

impl ErrorKind {
    /// A short lower-case name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax error",
            ErrorKind::Type => "wrong type",
            ErrorKind::UnknownField => "unknown field",
            ErrorKind::Invalid => "invalid value",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Credentials => "no credential source",
            ErrorKind::Template => "template error",
            ErrorKind::Io => "i/o error",
        }
    }
}

/// Why an error happened, with the data a front end needs to word its own advice (a flag, a
/// functionConfig field, a plugin parameter). Messages of the library never name a flag.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// A native bus has no namespace, and the `namespace` option gives none.
    MissingNamespace,
    /// A bus needs new credentials and nothing provides them: no seed, no existing Secrets of
    /// the bus in the input, and random credentials not allowed.
    NoCredentialSource {
        /// What the bus needs.
        needs: Credential,
        /// The bus's Secrets whose values would be kept if they were in the input.
        secrets: Vec<String>,
    },
    /// A field the `EventBus` resource does not have; the `allowUnknownFields` option drops such
    /// fields with a warning, as the controller does.
    UnknownField,
    /// A field that an `EventBus` does not have but a render option does: the option's key.
    UseOption(&'static str),
    /// A render option has a bad value: its key, dotted for nested options
    /// (`images.nats`, `certificateValidity.notAfter`).
    Option(String),
}

/// The credentials a bus needs, for [`Cause::NoCredentialSource`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// The shared token of a NATS Streaming bus with `auth: token`.
    Token,
    /// The passwords, encryption key and TLS keys of a JetStream bus.
    JetStream,
}

impl Credential {
    /// What a bus of this kind needs, opening the error.
    pub(crate) fn needs(self) -> &'static str {
        match self {
            Credential::Token => "token auth needs a token source",
            Credential::JetStream => {
                "a JetStream bus needs passwords, an encryption key and TLS keys"
            }
        }
    }

    /// What a seed derives.
    pub(crate) fn derived(self) -> &'static str {
        match self {
            Credential::Token => "a stable token",
            Credential::JetStream => "stable ones",
        }
    }

    /// What existing Secrets keep.
    pub(crate) fn kept(self) -> &'static str {
        match self {
            Credential::Token => "their token",
            Credential::JetStream => "theirs",
        }
    }

    /// What random credentials change.
    pub(crate) fn changes(self) -> &'static str {
        match self {
            Credential::Token => "the token then changes",
            Credential::JetStream => "they then change",
        }
    }
}

/// A position in the input text (1-based line and column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The most characters of an input value a message quotes.
pub(crate) const QUOTED_CHARS: usize = 60;

/// The longest message and field path kept, in characters; longer ones are cut.
const MAX_MESSAGE_CHARS: usize = 2000;
const MAX_PATH_CHARS: usize = 200;

/// An input value as messages show it: in double quotes, control characters, quotes and
/// backslashes escaped, cut after [`QUOTED_CHARS`] characters with the full length noted, so
/// that any value prints on one short line.
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = value.chars();
    for c in chars.by_ref().take(QUOTED_CHARS) {
        out.extend(c.escape_debug());
    }
    if chars.next().is_some() {
        out.push_str(&format!("…\" ({} characters)", value.chars().count()));
    } else {
        out.push('"');
    }
    out
}

/// `text` cut after [`QUOTED_CHARS`] characters, with `…` where it was cut.
pub(crate) fn cut(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]).into(),
        None => text.into(),
    }
}

/// `text` as one terminal line: control characters (line breaks too) escaped, at most
/// [`MAX_MESSAGE_CHARS`] characters.
pub(crate) fn one_line(text: &str) -> String {
    printable(text.replace(['\n', '\t'], " "), MAX_MESSAGE_CHARS)
}

/// Whether `c` would act on a terminal or log view instead of showing as itself: control
/// characters, and the invisible format characters (bidirectional overrides and isolates,
/// zero-width characters, the byte order mark, the soft hyphen) and line and paragraph
/// separators, which can reorder, hide or break a line. Such characters are escaped.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// `text` with control characters escaped and cut after `max` characters.
fn printable(text: String, max: usize) -> String {
    let over = text.chars().nth(max).is_some();
    if !over && !text.chars().any(hidden) {
        return text;
    }
    let mut out = String::new();
    for c in text.chars().take(max) {
        match c {
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.extend(c.escape_debug()),
            c if hidden(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    if over {
        out.push_str("...");
    }
    out
}

/// One problem found in the input, with the field path it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    path: String,
    message: String,
    location: Option<Location>,
    document: Option<usize>,
    cause: Option<Box<Cause>>,
}

impl Error {
    /// A new error about the field at `path` (empty for the whole input).
    ///
    /// Control characters in `path` and `message` are escaped, and both are cut to a bounded
    /// length, so an error always prints as a short readable line.
    pub fn new(kind: ErrorKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        let path = printable(path.into(), MAX_PATH_CHARS).replace(['\n', '\t'], " ");
        Error {
            kind,
            path,
            message: printable(message.into(), MAX_MESSAGE_CHARS),
            location: None,
            document: None,
            cause: None,
        }
    }

    /// Sets why the error happened, for front ends to advise on.
    #[must_use]
    pub fn because(mut self, cause: Cause) -> Self {
        self.cause = Some(Box::new(cause));
        self
    }

    /// Why the error happened, when a front end can advise on it.
    pub fn cause(&self) -> Option<&Cause> {
        self.cause.as_deref()
    }

    /// Sets the position in the input.
    #[must_use]
    pub fn at(mut self, location: Option<Location>) -> Self {
        if location.is_some() {
            self.location = location;
        }
        self
    }

    /// Sets the 0-based index of the YAML document the error is in.
    #[must_use]
    pub fn in_document(mut self, index: usize) -> Self {
        self.document = Some(index);
        self
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The field path, for example `spec.nats.native.replicas`; empty for the whole input.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong and what is allowed.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where in the input the problem is, when known.
    pub fn location(&self) -> Option<Location> {
        self.location
    }

    /// The 0-based index of the YAML document the problem is in, when known.
    pub fn document(&self) -> Option<usize> {
        self.document
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for Error {}

/// All errors found in one input, in input order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    /// The errors as a slice.
    pub fn as_slice(&self) -> &[Error] {
        &self.0
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Error> for Errors {
    fn from(e: Error) -> Self {
        Errors(vec![e])
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

/// Something a user should know about a render that still succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The field path the warning is about.
    pub path: String,
    /// What happened.
    pub message: String,
    /// Where in the input, when known.
    pub location: Option<Location>,
    /// The 0-based index of the YAML document, when known.
    pub document: Option<usize>,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_show_invisible_and_reordering_characters_escaped() {
        let key = "re\u{202e}plicas\u{2066}\u{200f}\u{61c}\u{feff}\u{ad}\u{2028}\u{2029}x\u{1b}[2J";
        let line = one_line(key);
        assert_eq!(
            line,
            "re\\u{202e}plicas\\u{2066}\\u{200f}\\u{61c}\\u{feff}\\u{ad}\\u{2028}\\u{2029}x\\u{1b}[2J"
        );
        assert_eq!(one_line("plain text, ünïcode"), "plain text, ünïcode");
        assert!(quote("a\u{202e}b").contains("\\u{202e}"));
    }
}
