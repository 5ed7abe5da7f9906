//! A row image's JSON value as the text a PostgreSQL type's input function takes: what
//! `jsonb_to_record` gave it. A JSON string's content, a number's or boolean's literal; `null` is
//! SQL NULL. Arrays become PostgreSQL array literals; objects pass as their JSON text (for
//! `json`/`jsonb` columns). Used for text columns and for the text twins of typed ones
//! (`copy_binary`).

use std::borrow::Cow;

use serde_json::value::RawValue;

/// Why a value could not be written.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("column {column}: {reason}")]
pub struct FieldError {
    pub column: String,
    pub reason: String,
}

/// The input text of `raw`; None for JSON null.
pub fn text<'a>(column: &str, raw: &'a RawValue) -> Result<Option<Cow<'a, str>>, FieldError> {
    let json = raw.get();
    let err = |reason: String| FieldError { column: column.to_string(), reason };
    match json.as_bytes().first() {
        None => Err(err("empty value".into())),
        Some(b'n') if json == "null" => Ok(None),
        Some(b'"') => {
            let s: Cow<str> = serde_json::from_str(json).map_err(|e| err(e.to_string()))?;
            if s.contains('\0') {
                return Err(err(
                    "text contains a NUL character, which PostgreSQL cannot store".into()
                ));
            }
            Ok(Some(s))
        }
        Some(b'[') => {
            let items: Vec<&RawValue> =
                serde_json::from_str(json).map_err(|e| err(e.to_string()))?;
            let mut literal = String::with_capacity(json.len() + 2);
            array_literal(&mut literal, &items).map_err(err)?;
            Ok(Some(Cow::Owned(literal)))
        }
        // Numbers, booleans and objects: their JSON text.
        Some(_) => Ok(Some(Cow::Borrowed(json))),
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
                let inner: Vec<&RawValue> =
                    serde_json::from_str(text).map_err(|e| e.to_string())?;
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

    fn one(json: &str) -> Result<Option<String>, FieldError> {
        let raw: Box<RawValue> = serde_json::from_str(json).expect("test JSON");
        Ok(text("c", &raw)?.map(std::borrow::Cow::into_owned))
    }

    fn some(json: &str) -> String {
        one(json).unwrap().expect("not NULL")
    }

    #[test]
    fn strings_are_unescaped_from_json() {
        assert_eq!(some(r#""plain""#), "plain");
        assert_eq!(
            some(r#""tab\there \"q\" back\\slash\nnl é \u00e9""#),
            "tab\there \"q\" back\\slash\nnl é é"
        );
        assert_eq!(some(r#""\ud83d\ude00""#), "😀");
        assert!(one(r#""a\u0000b""#).unwrap_err().reason.contains("NUL"));
    }

    #[test]
    fn scalars_and_nulls() {
        assert_eq!(one("null").unwrap(), None);
        assert_eq!(some("12.50"), "12.50");
        assert_eq!(some("-3"), "-3");
        assert_eq!(some("true"), "true");
        assert_eq!(some(r#"{"a":"x\\y"}"#), r#"{"a":"x\\y"}"#);
    }

    #[test]
    fn arrays_become_array_literals() {
        assert_eq!(some("[1,2,null]"), "{1,2,NULL}");
        assert_eq!(some(r#"["a","b \"c\"",null]"#), r#"{"a","b \"c\"",NULL}"#);
        assert_eq!(some("[[1,2],[3,4]]"), "{{1,2},{3,4}}");
        assert_eq!(some("[]"), "{}");
    }
}
