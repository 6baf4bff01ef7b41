//! YAML input: a multi-document loader that keeps the position of every key.
//!
//! Scalars resolve as kubectl resolves them (YAML 1.1: `yes`/`on`/`y` are booleans, `0755` is
//! octal), so a spec means the same here as it would to the cluster. [`Schema::Kyaml`] resolves
//! them as kustomize and kpt do instead (only `true`/`false` are booleans), for documents that
//! must pass through those tools unchanged. Each document becomes a `serde_json::Value` plus a
//! map from field path to the line and column of its key.
//!
//! Every YAML the crate reads goes through here (files, stdin, ResourceLists, options, plugin
//! parameters and the YAML held in strings such as `streamConfig`), so every reader has the same
//! bounds: at most [`MAX_INPUT_BYTES`] of text, scalars of at most [`MAX_SCALAR_BYTES`], nesting
//! at most [`MAX_DEPTH`] levels deep (counting the levels an alias brings in), and aliases that
//! expand to at most [`alias_budget`] nodes. A breach is a syntax error at the position where it
//! happened that names the limit; nothing grows out of proportion to the text read.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError, Span};

use crate::error::{Error, ErrorKind, Location};

/// The longest input text read, in bytes (32 MiB).
pub const MAX_INPUT_BYTES: usize = 32 << 20;

/// The longest scalar (or key), in bytes (1 MiB).
pub const MAX_SCALAR_BYTES: usize = 1 << 20;

/// The deepest nesting of sequences and mappings, counting what aliases bring in.
pub const MAX_DEPTH: usize = 100;

/// How much aliases may copy in a text of `len` bytes, counting one per node plus one per byte
/// of each scalar copied: 10,000 plus one per byte of text, at most [`MAX_ALIAS_COPIES`]. Files
/// that share blocks through anchors stay far below it; an alias bomb (each anchor repeating the
/// one before several times) reaches it after a few thousand copies, not billions. The cap keeps
/// a large text (padded with comments, say) from buying copies that cost far more memory than
/// its bytes.
pub fn alias_budget(len: usize) -> usize {
    (10_000 + len).min(MAX_ALIAS_COPIES)
}

/// The most aliases may copy in any input, in nodes plus bytes of scalars (see
/// [`alias_budget`]).
pub const MAX_ALIAS_COPIES: usize = 250_000;

/// The most documents one input may hold (`kind: List` items count as documents): memory grows
/// with every document, so an input cannot grow it without bound.
pub const MAX_DOCUMENTS: usize = 10_000;

/// The most nodes (scalars, sequences, mappings) one input may hold, aliases not counted (the
/// alias budget bounds those): memory grows with every node (a few hundred bytes each, with its
/// position), whatever the input's size. 10,000 ordinary buses hold about 150,000.
pub const MAX_NODES: usize = 250_000;

/// The longest field path kept whole; a longer one (long keys nested deep) is cut, so that
/// building and storing paths stays linear in the input.
pub const MAX_PATH_BYTES: usize = 1024;

/// How many bytes of field paths one input may record for positions: 16 per byte of input plus
/// 1 MiB, at most 16 MiB. Past that, fields are located by their closest recorded parent.
pub fn location_budget(len: usize) -> usize {
    len.saturating_mul(16).saturating_add(1 << 20).min(16 << 20)
}

/// The path of `segment` under `path` (`.key` or `[i]` already in `segment`), cut after
/// [`MAX_PATH_BYTES`].
fn child_path(path: &str, segment: &str) -> String {
    if path.len() + segment.len() <= MAX_PATH_BYTES {
        return format!("{path}{segment}");
    }
    let mut out = String::with_capacity(MAX_PATH_BYTES + 3);
    for c in path.chars().chain(segment.chars()) {
        if out.len() + c.len_utf8() > MAX_PATH_BYTES {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// One YAML document of the input.
#[derive(Clone, Debug)]
pub struct Document {
    /// 0-based position of the document in its stream.
    pub index: usize,
    /// The document content.
    pub value: Value,
    /// Line and column of each key (and each sequence item), by field path.
    pub locations: BTreeMap<String, Location>,
    /// Where the document starts.
    pub start: Location,
}

impl Document {
    /// The position of `path`, or of its closest parent that has one.
    pub fn locate(&self, path: &str) -> Option<Location> {
        Some(locate(&self.locations, self.start, path))
    }

    /// The items of a `kind: List` document (what `kubectl get -o yaml` prints for several
    /// objects), each as a document of its own that keeps its positions; `None` for any other
    /// document.
    pub fn list_items(&self) -> Option<Vec<Document>> {
        if self.value.get("kind")?.as_str()? != "List" {
            return None;
        }
        let items = self.value.get("items")?.as_array()?;
        let documents = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let prefix = format!("items[{i}]");
                let locations = self
                    .locations
                    .range(prefix.clone()..)
                    .take_while(|(k, _)| k.starts_with(&prefix))
                    .filter_map(|(k, l)| {
                        Some((k[prefix.len()..].strip_prefix('.')?.to_owned(), *l))
                    })
                    .collect();
                Document {
                    index: self.index,
                    value: item.clone(),
                    locations,
                    start: self.locations.get(&prefix).copied().unwrap_or(self.start),
                }
            })
            .collect();
        Some(documents)
    }
}

/// The position of `path` in `locations`, else of its closest parent there, else `start`.
pub(crate) fn locate(
    locations: &BTreeMap<String, Location>,
    start: Location,
    path: &str,
) -> Location {
    let mut p = path;
    loop {
        if let Some(l) = locations.get(p) {
            return *l;
        }
        match p.rfind(['.', '[']) {
            Some(i) => p = &p[..i],
            None => return start,
        }
    }
}

/// How plain (unquoted) scalars resolve to booleans.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Schema {
    /// As kubectl reads YAML (YAML 1.1): `yes`, `no`, `on`, `off`, `y` and `n` are booleans.
    #[default]
    Kubectl,
    /// As kustomize and kpt read YAML (kyaml, YAML 1.2 core schema): only `true` and `false`
    /// (in any of their three spellings) are booleans; `yes`, `on`, `y` and friends stay strings.
    /// Numbers resolve as kyaml resolves them: `0755` is still octal.
    Kyaml,
}

/// Reads every non-empty document of a YAML (or JSON) stream, resolving scalars as kubectl does.
pub fn load_documents(text: &str) -> Result<Vec<Document>, Error> {
    load_documents_with(text, Schema::Kubectl)
}

/// Reads every non-empty document of a YAML (or JSON) stream with the given scalar schema.
pub fn load_documents_with(text: &str, schema: Schema) -> Result<Vec<Document>, Error> {
    load(text, schema, true)
}

/// [`load_documents_with`] without the positions of fields (each document's `locations` holds
/// its root only), for a reader that never points at a field of the text: a ResourceList's
/// items name their own files. The positions of a large input take more memory than its
/// values.
pub(crate) fn load_documents_unlocated(text: &str, schema: Schema) -> Result<Vec<Document>, Error> {
    load(text, schema, false)
}

fn load(text: &str, schema: Schema, locate: bool) -> Result<Vec<Document>, Error> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Error::new(
            ErrorKind::Syntax,
            "",
            format!(
                "the input has {} bytes; at most {MAX_INPUT_BYTES} are read",
                text.len()
            ),
        ));
    }
    let mut loader = Loader {
        schema,
        parser: Parser::new_from_str(text),
        anchors: BTreeMap::new(),
        locations: BTreeMap::new(),
        budget: alias_budget(text.len()),
        total_budget: alias_budget(text.len()),
        location_budget: if locate {
            location_budget(text.len())
        } else {
            0
        },
        nodes: 0,
    };
    let mut docs = Vec::new();
    let mut index = 0;
    loop {
        let (event, span) = loader.next()?;
        match event {
            Event::StreamStart => {}
            Event::StreamEnd => break,
            Event::DocumentStart(..) => {
                if index >= MAX_DOCUMENTS {
                    return Err(syntax(
                        &span,
                        &format!(
                            "more than {MAX_DOCUMENTS} documents; at most {MAX_DOCUMENTS} are read \
                             from one input (split it into several files)"
                        ),
                    ));
                }
                loader.anchors.clear();
                loader.locations.clear();
                let start = location(&span);
                let (event, span) = loader.next()?;
                let value = loader.node(event, span, "", 0)?.value;
                let (end, span) = loader.next()?;
                if !matches!(end, Event::DocumentEnd) {
                    return Err(syntax(&span, "expected the end of the document"));
                }
                if !value.is_null() {
                    docs.push(Document {
                        index,
                        value,
                        locations: std::mem::take(&mut loader.locations),
                        start,
                    });
                }
                index += 1;
            }
            _ => return Err(syntax(&span, "unexpected content outside a document")),
        }
    }
    Ok(docs)
}

/// Reads a stream as [`load_documents`] does, with each `kind: List` replaced by its items, and
/// numbers the documents from `first` on. Front ends that read several files call it with the
/// count so far, so that a document index names one document of one file.
pub fn load_numbered(text: &str, first: usize) -> Result<Vec<Document>, Error> {
    let mut docs = Vec::new();
    for d in load_documents(text)? {
        match d.list_items() {
            Some(items) => docs.extend(items),
            None => docs.push(d),
        }
    }
    if docs.len() > MAX_DOCUMENTS {
        return Err(Error::new(
            ErrorKind::Syntax,
            "",
            format!(
                "more than {MAX_DOCUMENTS} documents, counting the items of lists; at most \
                 {MAX_DOCUMENTS} are read from one input (split it into several files)"
            ),
        ));
    }
    for (i, d) in docs.iter_mut().enumerate() {
        d.index = first + i;
    }
    Ok(docs)
}

struct Loader<'a> {
    schema: Schema,
    parser: Parser<'a, serde_saphyr::granit_parser::StrInput<'a>>,
    /// Anchored nodes, with their size and height, for the aliases that copy them.
    anchors: BTreeMap<usize, Node>,
    locations: BTreeMap<String, Location>,
    /// What aliases may still copy (see [`alias_budget`]).
    budget: usize,
    total_budget: usize,
    /// How many more bytes of field paths the locations may hold (see [`location_budget`]).
    location_budget: usize,
    /// Nodes read so far in the whole input (see [`MAX_NODES`]).
    nodes: usize,
}

/// A loaded node, with its weight (one per node plus the bytes of its scalars and keys) and its
/// height (1 for a scalar).
#[derive(Clone)]
struct Node {
    value: Value,
    nodes: usize,
    height: usize,
}

impl<'a> Loader<'a> {
    /// Charges `nodes` to the alias budget: what aliases and anchors copy.
    fn spend(&mut self, nodes: usize, span: &Span) -> Result<(), Error> {
        if nodes > self.budget {
            return Err(syntax(
                span,
                &format!(
                    "excessive aliasing: the anchors and aliases of this input copy more than {} \
                     nodes and characters (10000 plus one per byte of input, at most \
                     {MAX_ALIAS_COPIES})",
                    self.total_budget
                ),
            ));
        }
        self.budget -= nodes;
        Ok(())
    }

    /// Records where `path` is, while the location budget lasts; the first position wins.
    fn record(&mut self, path: &str, at: Location) {
        if self.locations.contains_key(path) || path.len() > self.location_budget {
            return;
        }
        self.location_budget -= path.len();
        self.locations.insert(path.to_owned(), at);
    }

    fn next(&mut self) -> Result<(Event<'a>, Span), Error> {
        match self.parser.next_event() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(e)) => Err(scan_error(&e)),
            None => Err(Error::new(ErrorKind::Syntax, "", "unexpected end of input")),
        }
    }

    fn node(
        &mut self,
        event: Event<'a>,
        span: Span,
        path: &str,
        depth: usize,
    ) -> Result<Node, Error> {
        if !matches!(event, Event::Alias(_)) {
            self.nodes += 1;
            if self.nodes > MAX_NODES {
                return Err(syntax(
                    &span,
                    &format!(
                        "more than {MAX_NODES} nodes; at most {MAX_NODES} are read from one input"
                    ),
                ));
            }
        }
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                check_scalar(&text, &span)?;
                check_tag(
                    tag.as_deref(),
                    &["str", "null", "bool", "int", "float"],
                    &span,
                )?;
                let tag = tag
                    .as_ref()
                    .and_then(|t| t.core_suffix().map(str::to_owned));
                let value = resolve_scalar(&text, style, tag.as_deref(), self.schema);
                (
                    Node {
                        value,
                        nodes: 1 + text.len(),
                        height: 1,
                    },
                    anchor,
                )
            }
            Event::Alias(id) => {
                let anchored = self
                    .anchors
                    .get(&id)
                    .ok_or_else(|| syntax(&span, "unknown alias"))?;
                if depth + anchored.height > MAX_DEPTH {
                    return Err(syntax(
                        &span,
                        &format!(
                            "this alias nests deeper than {MAX_DEPTH} levels; \
                             at most {MAX_DEPTH} are read"
                        ),
                    ));
                }
                let anchored = anchored.clone();
                self.spend(anchored.nodes, &span)?;
                return Ok(anchored);
            }
            Event::SequenceStart(_, anchor, tag) => {
                check_depth(depth, &span)?;
                check_tag(tag.as_deref(), &["seq"], &span)?;
                let mut items = Vec::new();
                let (mut nodes, mut height) = (1, 1);
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    let item_path = child_path(path, &format!("[{}]", items.len()));
                    self.record(&item_path, location(&span));
                    let item = self.node(event, span, &item_path, depth + 1)?;
                    nodes += item.nodes;
                    height = height.max(item.height + 1);
                    items.push(item.value);
                }
                (
                    Node {
                        value: Value::Array(items),
                        nodes,
                        height,
                    },
                    anchor,
                )
            }
            Event::MappingStart(_, anchor, tag) => {
                check_depth(depth, &span)?;
                check_tag(tag.as_deref(), &["map"], &span)?;
                (self.mapping(path, depth)?, anchor)
            }
            _ => return Err(syntax(&span, "unexpected YAML event")),
        };
        if anchor != 0 {
            // Keeping an anchored node copies it: charged like an alias, so that anchors
            // nested at every level cannot copy the input many times over.
            self.spend(node.nodes, &span)?;
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    fn mapping(&mut self, path: &str, depth: usize) -> Result<Node, Error> {
        let mut map = Map::new();
        let mut merged = Map::new();
        let (mut nodes, mut height) = (1, 1);
        loop {
            let (event, key_span) = self.next()?;
            if matches!(event, Event::MappingEnd) {
                break;
            }
            // Keys keep their text: `y:` or `on:` stay keys, not booleans. A merge key is `<<`
            // plain and untagged, or tagged `!!merge` (as the Go YAML readers take it); `"<<"`
            // and `!!str <<` are ordinary keys.
            let mut merge = false;
            let key = match event {
                Event::Scalar(text, style, _, tag) => {
                    check_scalar(&text, &key_span)?;
                    let tagged_merge = tag.as_ref().is_some_and(|t| {
                        t.suffix_in_namespace("tag:yaml.org,2002:").as_deref() == Some("merge")
                    });
                    if !(tagged_merge && text == "<<") {
                        check_tag(
                            tag.as_deref(),
                            &["str", "int", "bool", "float", "null"],
                            &key_span,
                        )?;
                    }
                    merge = text == "<<"
                        && (tagged_merge || (style == ScalarStyle::Plain && tag.is_none()));
                    text.into_owned()
                }
                other => {
                    let key = self.node(other, key_span, path, depth + 1)?;
                    nodes += key.nodes;
                    match key.value {
                        Value::String(s) => s,
                        v => v.to_string(),
                    }
                }
            };
            if key.len() > MAX_SCALAR_BYTES {
                return Err(syntax(&key_span, &scalar_too_long()));
            }
            nodes += key.len();
            let child = if path.is_empty() {
                child_path("", &key)
            } else {
                child_path(path, &format!(".{key}"))
            };
            let (event, span) = self.next()?;
            let Node {
                value,
                nodes: n,
                height: h,
            } = self.node(event, span, &child, depth + 1)?;
            nodes += n;
            height = height.max(h + 1);
            if merge {
                // YAML 1.1 merge key: earlier explicit keys win over merged ones.
                let sources = match value {
                    Value::Array(items) => items,
                    v => vec![v],
                };
                for source in sources {
                    match source {
                        Value::Object(m) => {
                            for (k, v) in m {
                                merged.entry(k).or_insert(v);
                            }
                        }
                        _ => return Err(syntax(&key_span, "a merge key (<<) needs a mapping")),
                    }
                }
                continue;
            }
            if map.contains_key(&key) {
                return Err(Error::new(
                    ErrorKind::Syntax,
                    child,
                    format!(
                        "duplicate key {}; each key may appear once in a mapping",
                        crate::error::quote(&key)
                    ),
                )
                .at(Some(location(&key_span))));
            }
            self.record(&child, location(&key_span));
            map.insert(key, value);
        }
        for (k, v) in merged {
            if !map.contains_key(&k) {
                map.insert(k, v);
            }
        }
        // Rebuilt at its exact size: the map grew by doubling from room for four entries of
        // about 100 bytes, and most mappings of a bus hold one or two keys (a kilobyte of room
        // a document, kept for every document of the input until it is parsed).
        let map: serde_json::Map<String, Value> = map.into_iter().collect();
        Ok(Node {
            value: Value::Object(map),
            nodes,
            height,
        })
    }
}

fn check_depth(depth: usize, span: &Span) -> Result<(), Error> {
    if depth >= MAX_DEPTH {
        return Err(syntax(
            span,
            &format!("nesting deeper than {MAX_DEPTH} levels; at most {MAX_DEPTH} are read"),
        ));
    }
    Ok(())
}

fn check_scalar(text: &str, span: &Span) -> Result<(), Error> {
    if text.len() > MAX_SCALAR_BYTES {
        return Err(syntax(span, &scalar_too_long()));
    }
    Ok(())
}

fn scalar_too_long() -> String {
    format!("a scalar longer than {MAX_SCALAR_BYTES} bytes; at most {MAX_SCALAR_BYTES} are read")
}

fn location(span: &Span) -> Location {
    Location {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

fn syntax(span: &Span, message: &str) -> Error {
    Error::new(ErrorKind::Syntax, "", message.to_owned()).at(Some(location(span)))
}

fn scan_error(e: &ScanError) -> Error {
    let m = e.marker();
    Error::new(ErrorKind::Syntax, "", format!("invalid YAML: {}", e.info())).at(Some(Location {
        line: m.line(),
        column: m.col() + 1,
    }))
}

/// Refuses a tag outside `allowed` (core schema types) other than `!` (a plain string): kubectl
/// reads `!!binary` as the decoded bytes, and drops or refuses other tags, so no reading of
/// them here would mean what it means there; silently ignoring one would change the value.
fn check_tag(
    tag: Option<&serde_saphyr::granit_parser::Tag>,
    allowed: &[&str],
    span: &Span,
) -> Result<(), Error> {
    let Some(tag) = tag else { return Ok(()) };
    if tag.core_suffix().is_some_and(|s| allowed.contains(&s))
        || (tag.handle() == "!" && tag.suffix().is_empty())
    {
        return Ok(());
    }
    let written = format!("{}{}", tag.original_handle(), tag.suffix());
    Err(syntax(
        span,
        &format!(
            "the tag {} is not supported here; remove it (allowed: {})",
            crate::error::quote(&written),
            allowed
                .iter()
                .map(|a| format!("!!{a}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// Resolves a scalar the way kubectl's YAML reader does.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>, schema: Schema) -> Value {
    match tag {
        Some("str") => return Value::String(text.to_owned()),
        Some("null") => return Value::Null,
        Some("bool") | Some("int") | Some("float") => {
            return resolve_plain(text, schema).unwrap_or_else(|| Value::String(text.to_owned()));
        }
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.to_owned());
    }
    resolve_plain(text, schema).unwrap_or_else(|| Value::String(text.to_owned()))
}

fn resolve_plain(text: &str, schema: Schema) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" if schema == Schema::Kubectl => {
            return Some(Value::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" if schema == Schema::Kubectl => {
            return Some(Value::Bool(false));
        }
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Some(v) = parse_int(text) {
        return Some(v);
    }
    parse_float(text)
}

fn parse_int(text: &str) -> Option<Value> {
    let (neg, body) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let body = body.replace('_', "");
    if body.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(h) = body.strip_prefix("0x") {
        (h.to_owned(), 16)
    } else if let Some(o) = body.strip_prefix("0o") {
        (o.to_owned(), 8)
    } else if let Some(b) = body.strip_prefix("0b") {
        (b.to_owned(), 2)
    } else if body.len() > 1 && body.starts_with('0') {
        (body[1..].to_owned(), 8)
    } else {
        (body, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(&digits, radix).ok()?;
    if neg {
        let v = i64::try_from(magnitude).ok()?;
        Some(Value::Number(Number::from(-v)))
    } else {
        Some(Value::Number(Number::from(magnitude)))
    }
}

fn parse_float(text: &str) -> Option<Value> {
    let t = text.replace('_', "");
    let unsigned = t.trim_start_matches(['-', '+']);
    let mut seen_digit = false;
    let mut seen_dot = false;
    let mut seen_exp = false;
    let bytes = unsigned.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'0'..=b'9' => seen_digit = true,
            b'.' if !seen_dot && !seen_exp => seen_dot = true,
            b'e' | b'E' if seen_digit && !seen_exp => {
                seen_exp = true;
                if i + 1 < bytes.len() && matches!(bytes[i + 1], b'+' | b'-') {
                    i += 1;
                }
            }
            _ => return None,
        }
        i += 1;
    }
    if !seen_digit || unsigned.ends_with(['e', 'E', '+', '-']) {
        return None;
    }
    let f: f64 = t.parse().ok()?;
    Number::from_f64(f).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Value {
        load_documents(text).unwrap().remove(0).value
    }

    #[test]
    fn scalars_resolve_like_kubectl() {
        let v = one("a: yes\nb: 'yes'\nc: 0755\nd: 2.10.10\ne: 1.5\nf: ~\ng: 42\nh: -7\ni: on\n");
        assert_eq!(v["a"], Value::Bool(true));
        assert_eq!(v["b"], Value::String("yes".into()));
        assert_eq!(v["c"], serde_json::json!(493));
        assert_eq!(v["d"], Value::String("2.10.10".into()));
        assert_eq!(v["e"], serde_json::json!(1.5));
        assert_eq!(v["f"], Value::Null);
        assert_eq!(v["g"], serde_json::json!(42));
        assert_eq!(v["h"], serde_json::json!(-7));
        assert_eq!(v["i"], Value::Bool(true));
    }

    #[test]
    fn kyaml_schema_keeps_yaml_1_1_booleans_as_strings() {
        let text = "a: yes\nb: on\nc: y\nd: true\ne: False\nf: 0755\ng: ~\nh: No\n";
        let v = load_documents_with(text, Schema::Kyaml)
            .unwrap()
            .remove(0)
            .value;
        assert_eq!(
            v,
            serde_json::json!({"a": "yes", "b": "on", "c": "y", "d": true, "e": false,
                               "f": 493, "g": null, "h": "No"})
        );
    }

    #[test]
    fn keeps_key_order_and_positions() {
        let docs = load_documents("kind: A\n---\nz: 1\na:\n  - x: 1\n    y: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        let keys: Vec<_> = docs[1].value.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["z", "a"]);
        assert_eq!(docs[1].locations["a[0].y"], Location { line: 6, column: 5 });
        assert_eq!(docs[1].index, 1);
    }

    #[test]
    fn skips_empty_documents_and_reads_json() {
        let docs =
            load_documents("---\n# only a comment\n---\n{\"a\": [1, \"b\"]}\n---\n").unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].value, serde_json::json!({"a": [1, "b"]}));
    }

    #[test]
    fn list_items_become_documents_with_their_positions() {
        let docs = load_documents(
            "apiVersion: v1\nkind: List\nitems:\n- kind: A\n  metadata:\n    name: a\n- kind: B\n",
        )
        .unwrap();
        let items = docs[0].list_items().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].value["metadata"]["name"], "a");
        assert_eq!(
            items[0].locations["metadata.name"],
            Location { line: 6, column: 5 }
        );
        assert_eq!(items[1].start, Location { line: 7, column: 3 });
        assert!(
            load_documents("kind: A\n").unwrap()[0]
                .list_items()
                .is_none()
        );
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let e = load_documents("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.path(), "a");
        assert_eq!(e.location(), Some(Location { line: 3, column: 1 }));
    }

    #[test]
    fn anchors_and_merge_keys() {
        let v = one("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n");
        assert_eq!(v["c"], serde_json::json!({"y": 3, "x": 1}));
        // A quoted or tagged `<<` is an ordinary key, whatever its value.
        let v = one("a: {\"<<\": null}\nb: {'<<': 1}\n");
        assert_eq!(v["a"], serde_json::json!({"<<": null}));
        assert_eq!(v["b"], serde_json::json!({"<<": 1}));
        let v = one("a: {!!str <<: x}\n");
        assert_eq!(v["a"], serde_json::json!({"<<": "x"}));
        // `!!merge` makes a merge key, as in kubectl's reader.
        let v = one("base: &b {x: 1}\nc: {!!merge <<: *b, y: 2}\n");
        assert_eq!(v["c"], serde_json::json!({"y": 2, "x": 1}));
        // Keys take the tags values do: others are refused, not dropped.
        assert!(load_documents("a: {!!binary aGk=: x}\n").is_err());
        assert!(load_documents("a: {!!merge x: y}\n").is_err());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = load_documents("a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Syntax);
        assert!(e.location().is_some());
    }

    #[test]
    fn an_alias_bomb_is_refused_with_the_budget() {
        let mut text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n".to_owned();
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let e = load_documents(&text).unwrap_err();
        assert!(e.message().contains("excessive aliasing"), "{e}");
        assert!(e.message().contains(&alias_budget(text.len()).to_string()));
        assert!(e.location().is_some());
    }

    #[test]
    fn depth_counts_levels_brought_in_by_aliases() {
        let mut text = "- &a0 [x]\n".to_owned();
        for i in 1..MAX_DEPTH + 5 {
            text.push_str(&format!("- &a{i} [*a{}]\n", i - 1));
        }
        let e = load_documents(&text).unwrap_err();
        assert!(e.message().contains("deeper than 100 levels"), "{e}");
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let e = load_documents(&deep).unwrap_err();
        assert!(e.message().contains("deeper than 100 levels"), "{e}");
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(load_documents(&ok).is_ok());
    }

    #[test]
    fn long_scalars_and_keys_are_refused() {
        let long = "x".repeat(MAX_SCALAR_BYTES + 1);
        for text in [format!("a: {long}\n"), format!("{long}: 1\n")] {
            let e = load_documents(&text).unwrap_err();
            assert!(e.message().contains("longer than 1048576 bytes"), "{e}");
        }
    }

    #[test]
    fn long_keys_above_many_nodes_keep_paths_and_locations_bounded() {
        // A 200 KB key above 20,000 items: every path would repeat the key.
        let text = format!("? {}\n: [{}1]\n", "k".repeat(200_000), "1,".repeat(20_000));
        let docs = load_documents(&text).unwrap();
        let stored: usize = docs[0].locations.keys().map(String::len).sum();
        assert!(stored <= location_budget(text.len()), "{stored}");
        assert!(
            docs[0]
                .locations
                .keys()
                .all(|k| k.len() <= MAX_PATH_BYTES + 3)
        );
    }

    #[test]
    fn anchors_nested_at_every_level_are_charged() {
        let mut s = format!("[1{}]", ",1".repeat(20_000));
        for d in 0..40 {
            s = format!("&a{d} [{s}]");
        }
        let e = load_documents(&format!("x: {s}\n")).unwrap_err();
        assert!(e.message().contains("excessive aliasing"), "{e}");
    }

    #[test]
    fn nodes_past_the_limit_are_refused() {
        let text = format!("[{}1]\n", "1,".repeat(MAX_NODES));
        let e = load_documents(&text).unwrap_err();
        assert!(e.message().contains("nodes"), "{e}");
    }

    #[test]
    fn documents_past_the_limit_are_refused() {
        let text = "--- a\n".repeat(MAX_DOCUMENTS + 1);
        let e = load_documents(&text).unwrap_err();
        assert!(e.message().contains("documents"), "{e}");
        assert_eq!(load_documents(&"--- a\n".repeat(100)).unwrap().len(), 100);
    }

    #[test]
    fn shared_blocks_within_the_budget_still_load() {
        let mut text = "base: &b {cpu: 100m, memory: 128Mi, labels: {a: b, c: d}}\n".to_owned();
        for i in 0..200 {
            text.push_str(&format!("c{i}: {{<<: *b, n: {i}}}\n"));
        }
        let v = one(&text);
        assert_eq!(v["c199"]["memory"], "128Mi");
    }
}
