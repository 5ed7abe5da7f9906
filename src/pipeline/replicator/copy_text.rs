//! A row image's JSON values written as fields of COPY's text format, so the staging table can
//! have the replica's own column types and PostgreSQL parses each value once, with its type's
//! input function. Staging JSON instead made the server build a `jsonb` tree per event and take
//! it apart again in `jsonb_to_record`: about 1.8 times the server's work per batch.
//!
//! The text given to the type is what `jsonb_to_record` gave it: a JSON string's content, a
//! number's or boolean's literal; `null` is SQL NULL. Arrays become PostgreSQL array literals;
//! objects pass as their JSON text (for `json`/`jsonb` columns).

use std::borrow::Cow;

use serde_json::value::RawValue;

/// Why a value could not be written.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("column {column}: {reason}")]
pub struct FieldError {
    pub column: String,
    pub reason: String,
}

/// Appends `s` with COPY's text-format escapes: backslash, tab, newline, carriage return.
pub fn escape(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        buf.extend_from_slice(esc);
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
}

/// Appends one field for `value` (absent counts as NULL).
pub fn field(buf: &mut Vec<u8>, column: &str, value: Option<&RawValue>) -> Result<(), FieldError> {
    let Some(raw) = value else {
        buf.extend_from_slice(b"\\N");
        return Ok(());
    };
    let text = raw.get();
    let err = |reason: String| FieldError { column: column.to_string(), reason };
    match text.as_bytes().first() {
        None => Err(err("empty value".into())),
        Some(b'n') if text == "null" => {
            buf.extend_from_slice(b"\\N");
            Ok(())
        }
        Some(b'"') => {
            let s: Cow<str> = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
            if s.contains('\0') {
                return Err(err("text contains a NUL character, which PostgreSQL cannot store".into()));
            }
            escape(buf, &s);
            Ok(())
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
            let mut literal = String::with_capacity(text.len() + 2);
            array_literal(&mut literal, &items).map_err(err)?;
            escape(buf, &literal);
            Ok(())
        }
        // Numbers, booleans and objects: their JSON text.
        Some(_) => {
            escape(buf, text);
            Ok(())
        }
    }
}

/// A JSON array as a PostgreSQL array literal: `{1,NULL,"a \"b\""}`, nested arrays nested.
fn array_literal(out: &mut String, items: &[&RawValue]) -> Result<(), String> {
    out.push('{');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let text = item.get();
        match text.as_bytes().first() {
            Some(b'n') if text == "null" => out.push_str("NULL"),
            Some(b'[') => {
                let inner: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| e.to_string())?;
                array_literal(out, &inner)?;
            }
            Some(b'"') => {
                let s: Cow<str> = serde_json::from_str(text).map_err(|e| e.to_string())?;
                quoted(out, &s);
            }
            Some(b'{') => quoted(out, text),
            _ => out.push_str(text),
        }
    }
    out.push('}');
    Ok(())
}

/// An array element in double quotes, with `"` and `\` escaped as array literals want.
fn quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(json: &str) -> Result<String, FieldError> {
        let raw: Box<RawValue> = serde_json::from_str(json).expect("test JSON");
        let mut buf = Vec::new();
        field(&mut buf, "c", Some(&raw))?;
        Ok(String::from_utf8(buf).expect("utf-8"))
    }

    #[test]
    fn strings_are_unescaped_from_json_and_escaped_for_copy() {
        assert_eq!(one(r#""plain""#).unwrap(), "plain");
        assert_eq!(one(r#""tab\there \"q\" back\\slash\nnl é \u00e9""#).unwrap(), "tab\\there \"q\" back\\\\slash\\nnl é é");
        assert_eq!(one(r#""\ud83d\ude00""#).unwrap(), "😀");
        assert!(one(r#""a\u0000b""#).unwrap_err().reason.contains("NUL"));
    }

    #[test]
    fn scalars_nulls_and_absent_values() {
        assert_eq!(one("null").unwrap(), "\\N");
        assert_eq!(one("12.50").unwrap(), "12.50");
        assert_eq!(one("-3").unwrap(), "-3");
        assert_eq!(one("true").unwrap(), "true");
        assert_eq!(one(r#"{"a":"x\\y"}"#).unwrap(), r#"{"a":"x\\\\y"}"#);
        let mut buf = Vec::new();
        field(&mut buf, "c", None).unwrap();
        assert_eq!(buf, b"\\N");
    }

    #[test]
    fn arrays_become_array_literals() {
        assert_eq!(one("[1,2,null]").unwrap(), "{1,2,NULL}");
        assert_eq!(one(r#"["a","b \"c\"",null]"#).unwrap(), r#"{"a","b \\"c\\"",NULL}"#);
        assert_eq!(one("[[1,2],[3,4]]").unwrap(), "{{1,2},{3,4}}");
        assert_eq!(one("[]").unwrap(), "{}");
    }
}
