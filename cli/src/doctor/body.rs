//! The ways a body is changed between the sender and the receiver: each gives the body
//! the sender may have signed, from the one received.

use serde::Serialize as _;
use serde_json::ser::{PrettyFormatter, Serializer};
use serde_json::{Map, Value};

/// A body the sender may have signed, and what changed it into the one received.
pub(crate) struct BodyCandidate {
    /// What happened to the body on the way, in plain words.
    pub(crate) cause: &'static str,
    /// The body as signed, if that is what happened.
    pub(crate) body: Vec<u8>,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Every body the sender may have signed, each different from `received`.
pub(crate) fn candidates(received: &[u8]) -> Vec<BodyCandidate> {
    let mut all = Vec::new();
    let mut add = |cause: &'static str, body: Option<Vec<u8>>| {
        if let Some(body) = body.filter(|body| body != received) {
            all.push(BodyCandidate { cause, body });
        }
    };
    add(
        "a trailing newline was added to the body after it was signed",
        strip_newline(received),
    );
    add(
        "the body's trailing newline was removed after it was signed",
        Some([received, b"\n"].concat()),
    );
    add(
        "a byte-order mark (BOM, EF BB BF) was put before the body after it was signed",
        received.strip_prefix(BOM).map(<[u8]>::to_vec),
    );
    add(
        "non-ASCII characters were written as \\uXXXX escapes after signing: the sender signed them as UTF-8",
        unescape_unicode(received),
    );
    add(
        "non-ASCII characters were written as UTF-8 after signing: the sender signed them as \\uXXXX escapes",
        escape_unicode(received),
    );
    if let Ok(value) = serde_json::from_slice::<Value>(received) {
        json_candidates(&value, &mut add);
    }
    form_candidates(received, &mut add);
    all
}

/// The JSON body re-serialised the ways senders and middleware write JSON.
fn json_candidates(value: &Value, add: &mut impl FnMut(&'static str, Option<Vec<u8>>)) {
    add(
        "the body was re-serialised after signing: the sender signed compact JSON, it arrived indented",
        serde_json::to_vec(value).ok(),
    );
    add(
        "the body was re-serialised after signing: the sender signed indented JSON (2 spaces), it arrived compact or otherwise spaced",
        indented(value, b"  "),
    );
    add(
        "the body was re-serialised after signing: the sender signed indented JSON (4 spaces), it arrived compact or otherwise spaced",
        indented(value, b"    "),
    );
    let sorted = sort_keys(value.clone());
    add(
        "the body's keys were put in another order after signing: the sender signed them sorted (compact)",
        serde_json::to_vec(&sorted).ok(),
    );
    add(
        "the body's keys were put in another order after signing: the sender signed them sorted (indented)",
        indented(&sorted, b"  "),
    );
}

/// Form bodies re-encoded, and JSON and form data turned into each other.
fn form_candidates(received: &[u8], add: &mut impl FnMut(&'static str, Option<Vec<u8>>)) {
    if let Some(fields) = form_fields(received) {
        let json: Map<String, Value> = fields
            .iter()
            .map(|(name, value)| (name.clone(), Value::String(value.clone())))
            .collect();
        add(
            "the JSON body was re-encoded as form data after signing",
            serde_json::to_vec(&json).ok(),
        );
        add(
            "the form body was re-encoded after signing (its escaping changed)",
            Some(encode_form(&fields).into_bytes()),
        );
        add(
            "the form body was re-encoded after signing (spaces as %20 became +)",
            Some(encode_form(&fields).replace('+', "%20").into_bytes()),
        );
    }
    if let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(received) {
        let fields: Option<Vec<(String, String)>> = object
            .iter()
            .map(|(name, value)| Some((name.clone(), value.as_str()?.to_owned())))
            .collect();
        add(
            "the form body was re-encoded as JSON after signing",
            fields.map(|fields| encode_form(&fields).into_bytes()),
        );
    }
}

/// The body without one trailing `\n` or `\r\n`.
fn strip_newline(body: &[u8]) -> Option<Vec<u8>> {
    let stripped = body.strip_suffix(b"\n")?;
    Some(stripped.strip_suffix(b"\r").unwrap_or(stripped).to_vec())
}

/// `value` indented with `indent`.
fn indented(value: &Value, indent: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut serializer = Serializer::with_formatter(&mut out, PrettyFormatter::with_indent(indent));
    value.serialize(&mut serializer).ok()?;
    Some(out)
}

/// `value` with every object's keys sorted.
fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut fields: Vec<(String, Value)> = object.into_iter().collect();
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(fields.into_iter().map(|(k, v)| (k, sort_keys(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// The fields of a form body, if it is one (text with `name=value` pairs).
fn form_fields(body: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(body).ok()?;
    let looks_like_form = text.contains('=')
        && !text.trim_start().starts_with(['{', '['])
        && !text.contains(char::is_whitespace);
    looks_like_form.then(|| {
        form_urlencoded::parse(body)
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect()
    })
}

/// `fields` encoded as form data.
fn encode_form(fields: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// The body with every non-ASCII character written `\uXXXX` (surrogate pairs above the
/// BMP), as `JSON.stringify`-escaping senders and Python's `json.dumps` write them. In
/// JSON, non-ASCII text only appears inside strings, where the escape means the same.
fn escape_unicode(body: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    Some(out.into_bytes())
}

/// The body with each `\uXXXX` escape of a non-ASCII character written as the character;
/// other escapes are kept.
fn unescape_unicode(body: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (written, used) = unescape_one(rest);
        out.push_str(&written);
        rest = &rest[used..];
    }
    out.push_str(rest);
    Some(out.into_bytes())
}

/// At a backslash: the text to write for the escape there, and how many bytes it took.
fn unescape_one(at: &str) -> (String, usize) {
    let unit = |from: usize| {
        at.get(from..from + 6)
            .filter(|escape| escape.starts_with("\\u"))
            .and_then(|escape| u16::from_str_radix(&escape[2..], 16).ok())
    };
    match unit(0) {
        Some(high @ 0xD800..=0xDBFF) => match unit(6) {
            Some(low @ 0xDC00..=0xDFFF) => match char::decode_utf16([high, low]).next() {
                Some(Ok(c)) => (c.to_string(), 12),
                _ => (at[..12].to_owned(), 12),
            },
            _ => (at[..6].to_owned(), 6),
        },
        Some(code) if code >= 0x80 => match char::from_u32(u32::from(code)) {
            Some(c) => (c.to_string(), 6),
            None => (at[..6].to_owned(), 6),
        },
        // Any other escape (`\"`, `\\`, `\n`, an ASCII `\u`) stays as it is, with the
        // character it escapes.
        _ => {
            let len = at[1..].chars().next().map_or(1, |c| 1 + c.len_utf8());
            (at[..len].to_owned(), len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_unescapes_are_inverse() {
        let utf8 = "{\"name\":\"Zoë 😀\",\"quote\":\"a\\\"b\\\\u00e9\"}";
        let escaped = escape_unicode(utf8.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(escaped.clone()).unwrap(),
            "{\"name\":\"Zo\\u00eb \\ud83d\\ude00\",\"quote\":\"a\\\"b\\\\u00e9\"}"
        );
        assert_eq!(unescape_unicode(&escaped).unwrap(), utf8.as_bytes());
    }

    #[test]
    fn json_candidates_keep_the_key_order_unless_sorting() {
        let found = candidates(b"{\"b\": 1, \"a\": 2}");
        let bodies: Vec<String> = found
            .iter()
            .map(|c| String::from_utf8(c.body.clone()).unwrap())
            .collect();
        assert!(
            bodies.contains(&"{\"b\":1,\"a\":2}".to_owned()),
            "{bodies:?}"
        );
        assert!(
            bodies.contains(&"{\"a\":2,\"b\":1}".to_owned()),
            "{bodies:?}"
        );
    }
}
