//! Secrets in the config: a password written in the file, or read from an environment variable
//! (`password_env`) or a file (`password_file`, as mounted secrets are). A [`Secret`] never
//! shows itself: its Display and Debug print a mask and it serializes as the mask, so it cannot
//! reach the screen, the log, JSON output or an error message by accident; the one way to its
//! value is [`Secret::expose`], for the client that sends it.

use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a secret shows wherever it is printed.
pub const MASK: &str = "****";

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the client that sends it and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MASK)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({MASK})")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(MASK)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// `password_env = "NAME"`: the secret in that environment variable, read when the config is.
pub fn from_env<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let var = String::deserialize(d)?;
    match std::env::var(&var) {
        Ok(v) if !v.is_empty() => Ok(Some(Secret(v))),
        Ok(_) => Err(serde::de::Error::custom(format!("environment variable {var} is empty"))),
        Err(_) => Err(serde::de::Error::custom(format!("environment variable {var} is not set"))),
    }
}

/// `password_file = "PATH"`: the secret in that file (one line; a final newline is not part of
/// it), read when the config is. The error names the file, never its content.
pub fn from_file<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let path = std::path::PathBuf::deserialize(d)?;
    read_file(&path).map(Some).map_err(serde::de::Error::custom)
}

fn read_file(path: &Path) -> Result<Secret, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the secret file {}: {e}", path.display()))?;
    let value = text.strip_suffix('\n').unwrap_or(&text);
    let value = value.strip_suffix('\r').unwrap_or(value);
    if value.is_empty() {
        return Err(format!("the secret file {} is empty", path.display()));
    }
    Ok(Secret(value.to_string()))
}

/// The warning a config file deserves when it holds a secret written in it (a `password` key)
/// and others than its owner may read it; `None` otherwise.
pub fn exposure_warning(file: &Path) -> Option<String> {
    let mode = readable_by_others(file)?;
    let text = std::fs::read_to_string(file).ok()?;
    // Keys whose value is the secret itself (a Connect cluster's token and extra headers too).
    let holds = text.lines().any(|l| {
        let l = l.trim_start();
        ["password", "token", "headers"]
            .iter()
            .any(|key| l.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')))
            || (l.starts_with('[') && l.trim_end().ends_with(".headers]"))
    });
    holds.then(|| {
        format!(
            "{} holds a secret (a password, token or header value) and others can read it \
             (mode {mode:o}): chmod 600 it, or use password_env/password_file \
             (token_env/token_file)",
            file.display()
        )
    })
}

/// The permission bits that let others than the owner read `file`, when there are any (Unix).
pub fn readable_by_others(file: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(file).ok()?.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then_some(mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_itself() {
        let s = Secret::new("hunter2");
        assert_eq!(s.to_string(), MASK);
        assert_eq!(format!("{s:?}"), "Secret(****)");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"****\"");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn a_secret_file_gives_its_first_line_and_its_errors_name_only_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pw");
        std::fs::write(&f, "s3cret\n").unwrap();
        assert_eq!(read_file(&f).unwrap().expose(), "s3cret");
        std::fs::write(&f, "").unwrap();
        assert!(read_file(&f).unwrap_err().contains("is empty"));
        let missing = read_file(&dir.path().join("none")).unwrap_err();
        assert!(missing.contains("cannot read the secret file") && missing.contains("none"));
    }

    #[test]
    fn a_file_others_can_read_is_found() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(readable_by_others(&f), Some(0o644));
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(readable_by_others(&f), None);
    }

    #[test]
    fn a_readable_file_with_a_password_is_warned_about_and_without_one_is_not() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "[sink]\npassword_file = \"/run/secrets/pg\"\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(exposure_warning(&f), None, "no secret written in it");
        std::fs::write(&f, "[sink]\npassword = \"hunter2\"\n").unwrap();
        let w = exposure_warning(&f).expect("warned");
        assert!(w.contains("mode 644") && !w.contains("hunter2"), "{w}");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(exposure_warning(&f), None);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        for secret in ["token = \"t\"", "headers = { X-Key = \"k\" }", "[connect.headers]"] {
            std::fs::write(&f, format!("[[connect]]\n{secret}\n")).unwrap();
            assert!(exposure_warning(&f).is_some(), "{secret}");
        }
        std::fs::write(&f, "[[connect]]\ntoken_file = \"/run/secrets/t\"\n").unwrap();
        assert_eq!(exposure_warning(&f), None);
    }
}
