//! A signature written in hex where the provider sends base64, or the other way round:
//! each gives the headers with one signature written in the other encoding.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use http::{HeaderMap, HeaderValue};

/// The shortest text taken for a signature: 16 bytes in hex.
const MIN_SIGNATURE_TEXT: usize = 22;

/// Headers with one signature re-encoded, and which way.
pub(crate) struct EncodingCandidate {
    /// What the sender did, in plain words.
    pub(crate) cause: String,
    /// The headers with that signature in the other encoding.
    pub(crate) headers: HeaderMap,
}

/// For each hex or base64 run in each header, the headers with it in the other encoding.
pub(crate) fn candidates(headers: &HeaderMap) -> Vec<EncodingCandidate> {
    let mut all = Vec::new();
    for (name, value) in headers {
        let Ok(text) = value.to_str() else { continue };
        for (start, token) in tokens(text) {
            let Some((written, from, to)) = transcode(token) else {
                continue;
            };
            let changed = format!(
                "{}{written}{}",
                &text[..start],
                &text[start + token.len()..]
            );
            let Ok(changed) = HeaderValue::from_str(&changed) else {
                continue;
            };
            let mut headers = headers.clone();
            replace_value(&mut headers, name, value, changed);
            all.push(EncodingCandidate {
                cause: format!(
                    "the signature in {name} is written in {from}; the provider writes it in {to}"
                ),
                headers,
            });
        }
    }
    all
}

/// The runs of signature characters in `text` (base64 letters, then any `=` padding), with
/// where each starts: `sha256=<hex>` gives `sha256=` and the hex.
fn tokens(text: &str) -> Vec<(usize, &str)> {
    let is_letter = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '_' | '-');
    let mut found = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (start, is_letter(c)) {
            (None, true) => start = Some(at),
            (Some(from), false) => {
                let padded = at + text[at..].chars().take_while(|&c| c == '=').count();
                if padded - from >= MIN_SIGNATURE_TEXT {
                    found.push((from, &text[from..padded]));
                }
                start = None;
            }
            _ => {}
        }
    }
    found
}

/// `token` in the other encoding, with the names of both: hex becomes base64, base64
/// becomes hex.
fn transcode(token: &str) -> Option<(String, &'static str, &'static str)> {
    if let Ok(bytes) = hex::decode(token) {
        return Some((STANDARD.encode(bytes), "hex", "base64"));
    }
    let bytes = STANDARD
        .decode(token)
        .or_else(|_| STANDARD_NO_PAD.decode(token))
        .or_else(|_| URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')))
        .ok()?;
    Some((hex::encode(bytes), "base64", "hex"))
}

/// `headers` with the one `old` value of `name` replaced by `new`, the others kept.
fn replace_value(
    headers: &mut HeaderMap,
    name: &http::HeaderName,
    old: &HeaderValue,
    new: HeaderValue,
) {
    let values: Vec<HeaderValue> = headers
        .get_all(name)
        .iter()
        .map(|value| {
            if value == old {
                new.clone()
            } else {
                value.clone()
            }
        })
        .collect();
    headers.remove(name);
    for value in values {
        headers.append(name.clone(), value);
    }
}
