//! A `serde::Serializer` that writes block-style YAML straight into a `String`.
//!
//! It writes what the project's objects need (mappings, sequences, strings, numbers,
//! booleans, nulls) in the layout the previous emitter (`serde-saphyr` 2.2 with folding
//! turned off) gave them, byte for byte: two spaces a level, sequences inside mappings at the
//! key's column, empty collections as `{}` and `[]`, multi-line strings as literal blocks, keys
//! over 1,024 characters in the explicit `? key` form. Which strings are quoted, and how, is
//! [`super::scalar`]'s. Keys go straight to the output, without a string of their own.
//!
//! Shapes the project does not emit are written as valid YAML of the same value, without
//! promising the previous emitter's layout: enum variants with data are a one-entry mapping,
//! bytes a sequence of numbers. Keys must be scalars.

use std::fmt;

use serde::ser::{self, Serialize};

use super::scalar::{self, Style};

/// Writes `value` as one YAML document at the end of `out`, ending with a line feed.
pub(super) fn write<T: Serialize + ?Sized>(out: &mut String, value: &T) -> Result<(), Error> {
    value.serialize(Node {
        out,
        place: Place::Root,
    })
}

/// Why a value could not be written.
#[derive(Debug)]
pub(super) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Where the node about to be written goes; `depth` counts levels of two columns.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// The document itself, at the start of a line.
    Root,
    /// After `key:` of a block mapping whose keys are at `depth`.
    Value(usize),
    /// After `- ` of a block sequence whose dashes are at `depth`.
    Item(usize),
    /// After the `:` line of an explicit `? key` of a mapping whose keys are at `depth`.
    ExplicitValue(usize),
}

impl Place {
    /// What separates the node from what precedes it on its line.
    fn separator(self) -> &'static str {
        match self {
            Place::Value(_) | Place::ExplicitValue(_) => " ",
            Place::Root | Place::Item(_) => "",
        }
    }

    /// The column the body of a literal block starts at: one level past its parent node.
    fn block_column(self) -> usize {
        match self {
            Place::Root => 2,
            Place::Value(d) | Place::Item(d) | Place::ExplicitValue(d) => 2 * d + 2,
        }
    }
}

/// Pushes `n` spaces.
fn indent(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = n;
    while left > 0 {
        let k = left.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        left -= k;
    }
}

/// A `serde::Serializer` for one node at `place`.
struct Node<'a> {
    out: &'a mut String,
    place: Place,
}

impl<'a> Node<'a> {
    /// A scalar token (number, boolean, null, plain string) and the end of its line.
    fn scalar(self, text: &str) -> Result<(), Error> {
        self.out.push_str(self.place.separator());
        self.out.push_str(text);
        self.out.push('\n');
        Ok(())
    }

    fn string(self, s: &str) -> Result<(), Error> {
        let out = self.out;
        out.push_str(self.place.separator());
        match scalar::value_style(s) {
            Style::Plain => out.push_str(s),
            Style::SingleQuoted => {
                // Only `.`, `#` and `-` come here: no quote inside to double.
                out.push('\'');
                out.push_str(s);
                out.push('\'');
            }
            Style::DoubleQuoted => push_double_quoted(out, s),
            Style::Literal => return literal_block(out, s, self.place.block_column()),
        }
        out.push('\n');
        Ok(())
    }

    fn integer<I: itoa::Integer>(self, i: I) -> Result<(), Error> {
        let mut buf = itoa::Buffer::new();
        self.scalar(buf.format(i))
    }

    fn float<F: zmij::Float + Copy + Into<f64>>(self, f: F) -> Result<(), Error> {
        self.out.push_str(self.place.separator());
        push_float(self.out, f);
        self.out.push('\n');
        Ok(())
    }

    /// Opens a block mapping here; `len` is how many entries the value announces.
    fn map(self, len: Option<usize>) -> Map<'a> {
        let (keys, inline_first) = match self.place {
            Place::Root => (0, false),
            Place::Value(d) => (d + 1, false),
            Place::Item(d) | Place::ExplicitValue(d) => (d + 1, true),
        };
        // An entry of a mapping that announces entries goes on the next line at once (and so
        // does its `{}` if none comes after all); one that may be empty waits for its first key.
        let broke_line = matches!(self.place, Place::Value(_)) && len.is_some_and(|n| n > 0);
        if broke_line {
            self.out.push('\n');
        }
        Map {
            out: self.out,
            place: self.place,
            keys,
            inline_first,
            broke_line,
            entries: 0,
            value_place: Place::Value(keys),
        }
    }

    /// Opens a block sequence here.
    fn seq(self) -> Seq<'a> {
        let (depth, inline_first) = match self.place {
            Place::Root => (0, false),
            // Inside a mapping the dashes stand at the key's column.
            Place::Value(d) | Place::ExplicitValue(d) => (d, false),
            // `- - a`: a sequence in a sequence starts on its parent's dash line.
            Place::Item(d) => (d + 1, true),
        };
        Seq {
            out: self.out,
            place: self.place,
            depth,
            inline_first,
            items: 0,
        }
    }

    /// An enum variant with data: a mapping of one entry, the variant's name to the data.
    fn variant(self, variant: &'static str) -> Result<Node<'a>, Error> {
        let mut map = self.map(Some(1));
        map.key_str(variant);
        map.entries = 1;
        let place = map.value_place;
        Ok(Node {
            out: map.out,
            place,
        })
    }
}

fn push_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    scalar::push_escaped(out, s);
    out.push('"');
}

/// A literal block (`|`) whose body starts at `column`; `s` contains a line feed.
fn literal_block(out: &mut String, s: &str, column: usize) -> Result<(), Error> {
    let content = s.trim_end_matches('\n');
    let trailing = s.len() - content.len();
    out.push('|');
    // A first line that starts with spaces would be taken for indentation: say how deep the
    // body is (one level of two columns past the parent). So too for a tab: libyaml and the
    // Go YAML readers (kubectl, Argo CD) refuse a tab while they still look for the
    // indentation, though serde-saphyr writes no indicator there.
    let first_line = content.split('\n').find(|l| !l.is_empty()).unwrap_or("");
    if first_line.starts_with([' ', '\t']) {
        out.push('2');
    }
    // Chomping: strip (`-`) without a final line feed, clip for exactly one, keep (`+`)
    // for more, or for nothing but line feeds.
    match trailing {
        0 => out.push('-'),
        1 if !content.is_empty() => {}
        _ => out.push('+'),
    }
    out.push('\n');
    if content.is_empty() {
        for _ in 0..trailing {
            out.push('\n');
        }
        return Ok(());
    }
    for line in content.split('\n') {
        // Empty lines take no indentation; every other line keeps its own white space.
        if !line.is_empty() {
            indent(out, column);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
    Ok(())
}

/// Shortest decimal form that reads back as the same float, always with a point (and a
/// signed exponent) so that no reader takes it for an integer; `.inf`, `-.inf`, `.nan`.
fn push_float<F: zmij::Float + Copy + Into<f64>>(out: &mut String, f: F) {
    let wide: f64 = f.into();
    if wide.is_nan() {
        out.push_str(".nan");
        return;
    }
    if wide.is_infinite() {
        out.push_str(if wide > 0.0 { ".inf" } else { "-.inf" });
        return;
    }
    let mut buf = zmij::Buffer::new();
    let s = buf.format_finite(f);
    match s.find(['e', 'E']) {
        Some(e) => {
            let (mantissa, exponent) = (&s[..e], &s[e + 1..]);
            out.push_str(mantissa);
            if !mantissa.contains('.') {
                out.push_str(".0");
            }
            out.push_str(&s[e..=e]);
            if !exponent.starts_with(['+', '-']) {
                out.push('+');
            }
            out.push_str(exponent);
        }
        None => {
            out.push_str(s);
            if !s.contains('.') {
                out.push_str(".0");
            }
        }
    }
}

/// The integer methods of a `Serializer`, each handing its value to `self.integer`.
macro_rules! integers {
    () => {
        integers!(
            serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
            serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
            serialize_u64: u64, serialize_u128: u128
        );
    };
    ($($method:ident: $ty:ty),+) => {
        $(
            fn $method(self, v: $ty) -> Result<(), Error> {
                self.integer(v)
            }
        )+
    };
}

impl<'a> ser::Serializer for Node<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Map<'a>;
    type SerializeStructVariant = Map<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.scalar(if v { "true" } else { "false" })
    }
    integers!();
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // Not emitted by the project (Kubernetes' byte strings serialize as base64 text).
        let mut seq = self.seq();
        for b in v {
            ser::SerializeSeq::serialize_element(&mut seq, b)?;
        }
        ser::SerializeSeq::end(seq)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.scalar("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.scalar("null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.scalar("null")
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<(), Error> {
        self.string(v)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self.variant(variant)?)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'a>, Error> {
        Ok(self.seq())
    }
    fn serialize_tuple(self, _: usize) -> Result<Seq<'a>, Error> {
        Ok(self.seq())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Seq<'a>, Error> {
        Ok(self.seq())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Seq<'a>, Error> {
        Ok(self.variant(variant)?.seq())
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Map<'a>, Error> {
        Ok(self.map(len))
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Map<'a>, Error> {
        Ok(self.map(Some(len)))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Map<'a>, Error> {
        Ok(self.variant(variant)?.map(Some(len)))
    }
}

/// A block mapping being written.
struct Map<'a> {
    out: &'a mut String,
    /// Where the mapping itself stands.
    place: Place,
    /// The depth of its keys.
    keys: usize,
    /// Whether the first key goes on the line already started (after `- ` or `? k\n:`).
    inline_first: bool,
    /// Whether the line after `key:` was ended before the first entry.
    broke_line: bool,
    entries: usize,
    /// Where the value of the key just written goes.
    value_place: Place,
}

impl Map<'_> {
    /// Starts the line of the next key.
    fn start_entry(&mut self) {
        if self.entries == 0 {
            if self.inline_first {
                self.out.push_str(self.place.separator());
                return;
            }
            if matches!(self.place, Place::Value(_)) && !self.broke_line {
                self.out.push('\n');
            }
        }
        indent(self.out, 2 * self.keys);
    }

    /// Ends a key written from `start` on: `:` after it, or, past the 1,024 characters a
    /// plain key may take, the explicit form (`? key` and a `:` line).
    fn end_key(&mut self, start: usize) {
        let written = &self.out[start..];
        if written.len() > 1024 && written.chars().count() > 1024 {
            self.out.insert_str(start, "? ");
            self.out.push('\n');
            indent(self.out, 2 * self.keys);
            self.out.push(':');
            self.value_place = Place::ExplicitValue(self.keys);
        } else {
            self.out.push(':');
            self.value_place = Place::Value(self.keys);
        }
    }

    /// Writes a string key and its `:`.
    fn key_str(&mut self, key: &str) {
        self.start_entry();
        let start = self.out.len();
        if scalar::key_is_plain(key) {
            self.out.push_str(key);
        } else {
            push_double_quoted(self.out, key);
        }
        self.end_key(start);
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(Node {
            out: self.out,
            place: self.value_place,
        })?;
        self.entries += 1;
        Ok(())
    }

    fn finish(self) -> Result<(), Error> {
        if self.entries > 0 {
            return Ok(());
        }
        if self.broke_line {
            indent(self.out, 2 * self.keys);
        } else {
            self.out.push_str(self.place.separator());
        }
        self.out.push_str("{}\n");
        Ok(())
    }
}

impl ser::SerializeMap for Map<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.start_entry();
        let start = self.out.len();
        key.serialize(Key { out: self.out })?;
        self.end_key(start);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.value(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStruct for Map<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.key_str(key);
        self.value(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Map<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// A block sequence being written.
struct Seq<'a> {
    out: &'a mut String,
    /// Where the sequence itself stands.
    place: Place,
    /// The depth of its dashes.
    depth: usize,
    /// Whether the first dash goes on the line already started (after another `- `).
    inline_first: bool,
    items: usize,
}

impl Seq<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if self.items > 0 || !self.inline_first {
            if self.items == 0 && matches!(self.place, Place::Value(_) | Place::ExplicitValue(_)) {
                self.out.push('\n');
            }
            indent(self.out, 2 * self.depth);
        }
        self.out.push_str("- ");
        self.items += 1;
        value.serialize(Node {
            out: self.out,
            place: Place::Item(self.depth),
        })
    }

    fn finish(self) -> Result<(), Error> {
        if self.items == 0 {
            self.out.push_str(self.place.separator());
            self.out.push_str("[]\n");
        }
        Ok(())
    }
}

/// serde's four sequence traits for [`Seq`]: each element is an item of the block sequence.
macro_rules! sequence_traits {
    ($($trait:ident: $method:ident),+) => {
        $(
            impl ser::$trait for Seq<'_> {
                type Ok = ();
                type Error = Error;

                fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                    self.item(value)
                }
                fn end(self) -> Result<(), Error> {
                    self.finish()
                }
            }
        )+
    };
}

sequence_traits!(
    SerializeSeq: serialize_element,
    SerializeTuple: serialize_element,
    SerializeTupleStruct: serialize_field,
    SerializeTupleVariant: serialize_field
);

/// A `serde::Serializer` for a mapping key: a scalar, on the key's line.
struct Key<'a> {
    out: &'a mut String,
}

impl Key<'_> {
    fn text(self, s: &str) -> Result<(), Error> {
        self.out.push_str(s);
        Ok(())
    }
    fn integer<I: itoa::Integer>(self, i: I) -> Result<(), Error> {
        self.text(itoa::Buffer::new().format(i))
    }
}

fn not_a_scalar<T>() -> Result<T, Error> {
    Err(Error("a mapping key must be a scalar".to_owned()))
}

impl ser::Serializer for Key<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.text(if v { "true" } else { "false" })
    }
    integers!();
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        push_float(self.out, v);
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        push_float(self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        if scalar::key_is_plain(v) {
            self.out.push_str(v);
        } else {
            push_double_quoted(self.out, v);
        }
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        not_a_scalar()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.text("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.text("null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.text("null")
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<(), Error> {
        self.serialize_str(v)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        not_a_scalar()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        not_a_scalar()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        not_a_scalar()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        not_a_scalar()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        not_a_scalar()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        not_a_scalar()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        not_a_scalar()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        not_a_scalar()
    }
}

#[cfg(test)]
mod tests {
    fn yaml(value: &serde_json::Value) -> String {
        let mut out = String::new();
        super::write(&mut out, value).unwrap();
        out
    }

    #[test]
    fn sequences_in_mappings_stand_at_the_key_column_and_nest_on_the_dash_line() {
        let v = serde_json::json!({"a": [1, [2, 3], {"b": [], "c": {}}], "d": {"e": ["x"]}});
        assert_eq!(
            yaml(&v),
            "a:\n- 1\n- - 2\n  - 3\n- b: []\n  c: {}\nd:\n  e:\n  - x\n"
        );
    }

    #[test]
    fn literal_blocks_say_their_chomping_and_indentation_when_needed() {
        let v = serde_json::json!({
            "clip": "a\nb\n",
            "strip": "a\n\nb",
            "keep": "a\n\n\n",
            "only": "\n\n",
            "indented": "\n  a\nb\n",
            "items": ["x\ny\n"],
        });
        assert_eq!(
            yaml(&v),
            "clip: |\n  a\n  b\nstrip: |-\n  a\n\n  b\nkeep: |+\n  a\n\n\nonly: |+\n\n\n\
             indented: |2\n\n    a\n  b\nitems:\n- |\n  x\n  y\n"
        );
    }

    #[test]
    fn scalars_as_the_previous_emitter_wrote_them() {
        let v = serde_json::json!([null, true, -3, 18446744073709551615u64, 1.0, 2.5e-8, 1e300]);
        assert_eq!(
            yaml(&v),
            "- null\n- true\n- -3\n- 18446744073709551615\n- 1.0\n- 2.5e-8\n- 1.0e+300\n"
        );
    }
}
