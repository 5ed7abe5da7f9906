//! Reading the file: where it is, parsing it, and errors that point at file, line and key.

use std::path::{Path, PathBuf};

use super::{Config, Contexts};

/// Where the configuration came from, for messages and `status` output.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigSource {
    Defaults,
    File(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read the config file: {source}", file.display())]
    Read { file: PathBuf, source: std::io::Error },
    #[error("{}:{line}:{column}: key `{key}`: {message}", file.display())]
    Key { file: PathBuf, line: usize, column: usize, key: String, message: String },
    #[error("{}:{line}:{column}: {message}", file.display())]
    Syntax { file: PathBuf, line: usize, column: usize, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    /// A file that parsed but is wrong as a whole (e.g. a keymap binding one key twice).
    #[error("{}: {message}", file.display())]
    Invalid { file: PathBuf, message: String },
    #[error("unknown theme `{name}`; available: {}", available.join(", "))]
    UnknownTheme { name: String, available: Vec<String> },
    #[error("unknown context `{name}`; known contexts: {}", known.join(", "))]
    UnknownContext { name: String, known: Vec<String> },
    /// A context whose settings are wrong (already located: file, line and key).
    #[error("{message}")]
    Context { message: String },
}

impl ConfigError {
    /// Config errors never go away by retrying; the user must edit the file or environment.
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// The file's contexts, the one in use (with the environment overrides applied to it) and where
/// it all came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub contexts: Contexts,
    /// The context in use: `--context` / `CDC_CONSOLE_CONTEXT`, else the file's default.
    pub current: String,
    pub source: ConfigSource,
}

impl Loaded {
    /// The configuration of the context in use.
    pub fn config(&self) -> &Config {
        // `load_context` only names a context of the list.
        self.contexts
            .get(&self.current)
            .map_or_else(|| &self.contexts.list[0].config, |c| &c.config)
    }
}

/// Finds and reads the configuration: `explicit` (from `--config` or `CDC_CONSOLE_CONFIG`),
/// else `$XDG_CONFIG_HOME/cdc-console/config.toml` (or `~/.config/...`) when it exists, else
/// the defaults; then applies environment overrides. The file's default context.
pub fn load(explicit: Option<&Path>) -> Result<(Config, ConfigSource), ConfigError> {
    let loaded = load_context(explicit, None)?;
    Ok((loaded.config().clone(), loaded.source))
}

/// [`load`], in the context called `context` (`None`: the file's default). The environment
/// overrides apply to that context only: they describe the environment asked for at start.
pub fn load_context(explicit: Option<&Path>, context: Option<&str>) -> Result<Loaded, ConfigError> {
    let path =
        explicit.map(Path::to_path_buf).or_else(|| user_config_file().filter(|p| p.exists()));
    let (mut contexts, source) = match path {
        Some(file) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|source| ConfigError::Read { file: file.clone(), source })?;
            (super::contexts::parse(&text, &file)?, ConfigSource::File(file))
        }
        None => (Contexts::single(Config::default()), ConfigSource::Defaults),
    };
    let current = contexts.select(context)?.name.clone();
    if let Some(c) = contexts.list.iter_mut().find(|c| c.name == current) {
        c.config = super::env::apply(c.config.clone(), |k| std::env::var(k).ok())?;
    }
    Ok(Loaded { contexts, current, source })
}

fn user_config_file() -> Option<PathBuf> {
    Some(user_config_dir()?.join("config.toml"))
}

/// `$XDG_CONFIG_HOME/cdc-console` (or `~/.config/cdc-console`): where user themes
/// (`themes/NAME.toml`) and `keymap.toml` are looked for.
pub fn user_config_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("cdc-console"))
}

/// Parses the text of `file` into its default context's configuration. Missing sections take
/// their defaults; unknown keys are errors.
pub fn parse(text: &str, file: &Path) -> Result<Config, ConfigError> {
    let contexts = super::contexts::parse(text, file)?;
    Ok(contexts.select(None)?.config.clone())
}

/// Parses any TOML-backed settings (config, theme), with errors located in `file`.
pub fn parse_as<T: serde::de::DeserializeOwned>(text: &str, file: &Path) -> Result<T, ConfigError> {
    let de = toml::Deserializer::parse(text).map_err(|e| syntax(text, file, &e))?;
    serde_path_to_error::deserialize::<_, T>(de).map_err(|e| located(text, file, e, ""))
}

/// A deserialization error at its line and column of `text`, naming its dotted key; `prefix`
/// goes before keys found in a part of the document deserialized alone (a context's table).
pub(super) fn located(
    text: &str,
    file: &Path,
    e: serde_path_to_error::Error<toml::de::Error>,
    prefix: &str,
) -> ConfigError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    let message = inner.message().to_string();
    let key = match key_of(&path, &message) {
        Some(k) if k == "ui" || k.starts_with("ui.") || prefix.is_empty() => Some(k),
        Some(k) => Some(format!("{prefix}.{k}")),
        None if prefix.is_empty() => None,
        None => Some(prefix.to_string()),
    };
    let (line, column) = position(text, inner.span().map(|s| s.start));
    match key {
        Some(key) => ConfigError::Key { file: file.to_path_buf(), line, column, key, message },
        None => ConfigError::Syntax { file: file.to_path_buf(), line, column, message },
    }
}

pub(super) fn syntax(text: &str, file: &Path, e: &toml::de::Error) -> ConfigError {
    let (line, column) = position(text, e.span().map(|s| s.start));
    ConfigError::Syntax { file: file.to_path_buf(), line, column, message: e.message().to_string() }
}

/// The dotted key an error is about: the path serde tracked, which for an unknown key may stop
/// at its parent table with the key itself only in the message (`unknown field `x``).
fn key_of(path: &str, message: &str) -> Option<String> {
    let path = (path != ".").then_some(path);
    let unknown = message.strip_prefix("unknown field `").and_then(|rest| rest.split('`').next());
    match (path, unknown) {
        (Some(p), Some(u)) if p != u && !p.ends_with(&format!(".{u}")) => Some(format!("{p}.{u}")),
        (Some(p), _) => Some(p.to_string()),
        (None, u) => u.map(str::to_string),
    }
}

/// 1-based line and column of a byte offset.
pub(super) fn position(text: &str, offset: Option<usize>) -> (usize, usize) {
    let Some(offset) = offset else { return (1, 1) };
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, Path::new("conf/cdc.toml")).unwrap_err().to_string()
    }

    #[test]
    fn empty_file_is_the_defaults() {
        assert_eq!(parse("", Path::new("x.toml")).unwrap(), Config::default());
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let c = parse("[kafka]\nbrokers = \"k1:9092,k2:9092\"\n", Path::new("x.toml")).unwrap();
        assert_eq!(c.kafka.brokers, "k1:9092,k2:9092");
        assert_eq!(c.source, Config::default().source);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let e = err(
            "[source]\nhost = \"db\"\nport = 5432\ndbname = \"s\"\nuser = \"u\"\n\n[kafka]\nbrokerz = \"x\"\n",
        );
        assert!(e.starts_with("conf/cdc.toml:8:1: key `kafka.brokerz`"), "{e}");
    }

    #[test]
    fn wrong_type_names_the_nested_key_and_its_line() {
        let e = err("[source]\nhost = \"db\"\nport = \"five\"\ndbname = \"s\"\nuser = \"u\"\n");
        assert!(e.starts_with("conf/cdc.toml:3:8: key `source.port`"), "{e}");
    }

    #[test]
    fn on_offset_out_of_range_is_fail_by_default_and_a_bad_value_is_located() {
        let replica = "[[replicas]]\nname = \"r\"\nsource = \"public.t\"\nsink = \"cdc.t\"\ntopic = \"x.t\"\n";
        let c = parse(replica, Path::new("x.toml")).unwrap();
        assert_eq!(c.replicas[0].on_offset_out_of_range, crate::config::OnOffsetOutOfRange::Fail);
        let c =
            parse(&format!("{replica}on_offset_out_of_range = \"latest\"\n"), Path::new("x.toml"))
                .unwrap();
        assert_eq!(c.replicas[0].on_offset_out_of_range, crate::config::OnOffsetOutOfRange::Latest);
        let e = err(&format!("{replica}on_offset_out_of_range = \"oldest\"\n"));
        assert!(
            e.starts_with("conf/cdc.toml:6:26: key `replicas[0].on_offset_out_of_range`"),
            "{e}"
        );
        assert!(e.contains("`fail`, `earliest`, `latest`"), "{e}");
    }

    #[test]
    fn a_bad_url_in_an_array_of_tables_is_located() {
        let e = err(
            "[[connect]]\nname = \"a\"\nurl = \"http://ok:8083\"\n\n[[connect]]\nname = \"b\"\nurl = \"ftp://nope\"\n",
        );
        assert!(e.starts_with("conf/cdc.toml:7:7: key `connect[1].url`"), "{e}");
        assert!(e.contains("not an http:// or https:// URL"), "{e}");
    }

    #[test]
    fn a_password_from_a_file_or_the_environment_and_their_errors_located() {
        let dir = tempfile::tempdir().unwrap();
        let pw = dir.path().join("pw");
        std::fs::write(&pw, "from-file\n").unwrap();
        let sink = "[sink]\nhost = \"db\"\nport = 1\ndbname = \"d\"\nuser = \"u\"\n";
        let c = parse(&format!("{sink}password_file = {pw:?}\n"), Path::new("x.toml")).unwrap();
        assert_eq!(c.sink.secret().map(super::super::secret::Secret::expose), Some("from-file"));
        assert!(!format!("{:?} {}", c.sink, c.sink).contains("from-file"));
        let c = parse(&format!("{sink}password_env = \"PATH\"\n"), Path::new("x.toml")).unwrap();
        assert!(c.sink.secret().is_some_and(|s| !s.expose().is_empty()));

        let e = err(&format!("{sink}password_file = \"/nonexistent/pw\"\n"));
        assert!(e.starts_with("conf/cdc.toml:6:17: key `sink.password_file`"), "{e}");
        assert!(e.contains("cannot read the secret file /nonexistent/pw"), "{e}");
        let e = err(&format!("{sink}password_env = \"CDC_CONSOLE_NO_SUCH_VAR\"\n"));
        assert!(e.starts_with("conf/cdc.toml:6:16: key `sink.password_env`"), "{e}");
        assert!(e.contains("CDC_CONSOLE_NO_SUCH_VAR is not set"), "{e}");
    }

    #[test]
    fn zero_timeout_is_refused() {
        let e = err("[timeouts]\nrequest_ms = 0\n");
        assert!(e.starts_with("conf/cdc.toml:2:14: key `timeouts.request_ms`"), "{e}");
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let e = err("[kafka]\nbrokers = \"unterminated\n");
        assert!(e.starts_with("conf/cdc.toml:2:"), "{e}");
    }

    #[test]
    fn missing_required_key_is_named() {
        let e = err("[sink]\nhost = \"db\"\nport = 1\nuser = \"u\"\n");
        assert!(e.contains("key `sink`") && e.contains("dbname"), "{e}");
    }

    #[test]
    fn the_example_file_in_compose_parses_to_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("compose/cdc-console.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(parse(&text, &path).unwrap(), Config::default());
    }
}
