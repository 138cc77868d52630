//! Bytes to text as real repositories hold it: UTF-8 with or without a byte-order mark, and
//! UTF-16 (little or big endian) with one, which is what Windows PowerShell's `Out-File` and `>`
//! write. Line ends are left alone: the YAML parser reads CRLF as kustomize's does. Anything
//! else is refused with the byte offset where decoding failed, never with the bytes themselves.
use std::borrow::Cow;

/// Why bytes are not text azfn reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not UTF-8, and no UTF-16 byte-order mark.
    #[error(
        "not valid UTF-8 at byte {offset} (azfn reads UTF-8, or UTF-16 with a byte-order mark)"
    )]
    Utf8 { offset: usize },
    /// A UTF-16 byte-order mark, then something that is not UTF-16.
    #[error("not valid UTF-16 ({endian}) at byte {offset}")]
    Utf16 { endian: &'static str, offset: usize },
}

/// A decoding error with the file it happened in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {error}")]
pub struct FileDecodeError {
    pub file: String,
    pub error: DecodeError,
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// `bytes` as lowercase hexadecimal (digests in names, fingerprints, cache keys).
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            use std::fmt::Write as _;
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// The text of `bytes`: borrowed when it is UTF-8 (a BOM is skipped), decoded when it starts
/// with a UTF-16 BOM.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, DecodeError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return std::str::from_utf8(rest)
            .map(Cow::Borrowed)
            .map_err(|e| DecodeError::Utf8 {
                offset: UTF8_BOM.len() + e.valid_up_to(),
            });
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes, "little endian").map(Cow::Owned);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes, "big endian").map(Cow::Owned);
    }
    std::str::from_utf8(bytes)
        .map(Cow::Borrowed)
        .map_err(|e| DecodeError::Utf8 {
            offset: e.valid_up_to(),
        })
}

/// [`decode`], with the file named in the error.
pub fn decode_file<'a>(bytes: &'a [u8], file: &str) -> Result<Cow<'a, str>, FileDecodeError> {
    decode(bytes).map_err(|error| FileDecodeError {
        file: file.to_owned(),
        error,
    })
}

/// [`decode`] into an owned string, without copying UTF-8 input.
pub fn decode_owned(bytes: Vec<u8>) -> Result<String, DecodeError> {
    let has_bom = bytes.starts_with(UTF8_BOM) || bytes.starts_with(&[0xFF, 0xFE]);
    if has_bom || bytes.starts_with(&[0xFE, 0xFF]) {
        return decode(&bytes).map(Cow::into_owned);
    }
    String::from_utf8(bytes).map_err(|e| DecodeError::Utf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

fn utf16(
    body: &[u8],
    unit: fn([u8; 2]) -> u16,
    endian: &'static str,
) -> Result<String, DecodeError> {
    // Offsets count from the start of the file, BOM included.
    if body.len() % 2 == 1 {
        return Err(DecodeError::Utf16 {
            endian,
            offset: 2 + body.len() - 1,
        });
    }
    let units = body.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut text = String::with_capacity(body.len() / 2);
    let mut offset = 2;
    for c in char::decode_utf16(units) {
        let c = c.map_err(|_| DecodeError::Utf16 { endian, offset })?;
        text.push(c);
        offset += c.len_utf16() * 2;
    }
    Ok(text)
}

/// "unknown field `x`; did you mean `y`?" with the nearest known name.
pub(crate) fn unknown(what: &str, found: &str, known: &[&str]) -> String {
    let nearest = known
        .iter()
        .map(|k| {
            (
                edit_distance(&found.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                k,
            )
        })
        .min();
    match nearest {
        Some((d, k)) if d <= (found.len() / 3).max(1) => {
            format!("unknown {what} `{found}`; did you mean `{k}`?")
        }
        _ => format!("unknown {what} `{found}`; known: {}", known.join(", ")),
    }
}

/// Whether `a` is at most `max` edits from `b`, ASCII case ignored. Stops at the first row of
/// the table whose every entry is over `max` (rules ask this of every environment setting,
/// and most are far from the name they are compared with).
pub(crate) fn within_edits(a: &str, b: &str, max: usize) -> bool {
    let lower = |s: &str| -> Vec<char> { s.chars().map(|c| c.to_ascii_lowercase()).collect() };
    bounded_distance(&lower(a), &lower(b), max).is_some()
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let chars = |s: &str| -> Vec<char> { s.chars().collect() };
    bounded_distance(&chars(a), &chars(b), usize::MAX).unwrap_or(usize::MAX)
}

/// Levenshtein distance of `a` and `b` when it is at most `max`; `None` as soon as a row of
/// the table is all over `max` (the distance only grows from there).
fn bounded_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    // Two rows, reused: rules ask this of every environment setting of every resource.
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    fn utf16be(text: &str) -> Vec<u8> {
        let mut out = vec![0xFE, 0xFF];
        out.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        out
    }

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode(b"kind: A\n").unwrap(), "kind: A\n");
        assert_eq!(decode(b"\xEF\xBB\xBFkind: A\n").unwrap(), "kind: A\n");
        assert!(matches!(decode(b"kind: A\n").unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn powershell_utf16le_with_crlf_keeps_its_line_ends() {
        let text = "kind: ConfigMap\r\nmetadata:\r\n  name: caf\u{e9} \u{1F600}\r\n";
        assert_eq!(decode(&utf16le(text)).unwrap(), text);
        assert_eq!(decode(&utf16be(text)).unwrap(), text);
        assert_eq!(decode_owned(utf16le(text)).unwrap(), text);
    }

    #[test]
    fn other_bytes_are_refused_at_their_offset() {
        assert_eq!(
            decode(b"kind: A\n\xFFsecret").unwrap_err(),
            DecodeError::Utf8 { offset: 8 }
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBFab\xC3").unwrap_err(),
            DecodeError::Utf8 { offset: 5 }
        );
        // A lone surrogate after "a".
        assert_eq!(
            decode(&[0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0]).unwrap_err(),
            DecodeError::Utf16 {
                endian: "little endian",
                offset: 4
            }
        );
        // An odd number of bytes.
        assert!(matches!(
            decode(&[0xFF, 0xFE, b'a', 0, b'b']).unwrap_err(),
            DecodeError::Utf16 { offset: 4, .. }
        ));
        let e = decode_file(b"a\x80", "overlays/prod/x.yaml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "overlays/prod/x.yaml: not valid UTF-8 at byte 1 (azfn reads UTF-8, or UTF-16 with a byte-order mark)"
        );
    }

    #[test]
    fn within_edits_answers_as_the_whole_table_does() {
        let words = [
            "",
            "a",
            "AzureWebJobsStorage",
            "azurewebjobsstorage",
            "AzureWebJobStorage",
            "AzureWebJobsStorag",
            "AzureWebJobsStorageX",
            "AzureWebjobs_Storage",
            "WebJobsStorageAzure",
            "FUNCTIONS_WORKER_RUNTIME",
            "functions_worker_runtim",
            "FUNCTIONS_EXTENSION_VERSION",
            "Ärger",
            "ärger",
            "node",
            "dotnet-isolated",
        ];
        for a in words {
            for b in words {
                let distance = edit_distance(&a.to_ascii_lowercase(), &b.to_ascii_lowercase());
                for max in 0..6 {
                    assert_eq!(
                        within_edits(a, b, max),
                        distance <= max,
                        "{a:?} {b:?} within {max} (distance {distance})"
                    );
                }
            }
        }
    }
}
