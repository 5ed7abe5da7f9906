//! Contexts, as kubectl and k9s have them: several named environments in one file, each with its
//! own source, sink, Kafka, Connect clusters, tables, replicas, jobs and timeouts, and which one
//! is the default. A file without `[contexts]` is one context, named `default`, so every file
//! written before contexts keeps working unchanged.
//!
//! ```toml
//! context = "dev"                 # the default; --context / CDC_CONSOLE_CONTEXT pick another
//! [ui]                            # global: the look and keys are the same everywhere
//! theme = "light"
//! [contexts.dev]                  # each context holds what a file without contexts holds
//! kafka = { brokers = "127.0.0.1:9092" }
//! [contexts.prod]
//! read_only = true                # every mutation refused, in the TUI and the CLI
//! [contexts.prod.kafka]
//! brokers = "kafka.prod:9092"
//! ```
//!
//! Each context is deserialized on its own from the parsed document, so its errors keep their
//! line and column, and its keys are named in full (`contexts.prod.kafka.brokerz`). A context's
//! error is kept with it and given when that context is used (selected, switched to) or listed:
//! prod's `password_env` unset on a laptop must not stop anyone from using dev.

use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::load::{located, position, syntax};
use super::{Config, ConfigError};

/// The name of the one context of a file without `[contexts]`.
pub const DEFAULT_CONTEXT: &str = "default";

/// The top-level keys a file with `[contexts]` may hold beside them; everything else belongs to
/// a context.
const GLOBAL_KEYS: [&str; 3] = ["context", "contexts", "ui"];

/// One named environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    pub name: String,
    /// The defaults when [`Context::error`] is set: never used, since such a context cannot be
    /// selected.
    pub config: Config,
    /// Why this context cannot be used (file, line and key), if it cannot.
    pub error: Option<String>,
}

/// Every context of the file, by name, and the default one.
#[derive(Debug, Clone, PartialEq)]
pub struct Contexts {
    /// The context used when none is asked for (`context = "…"`, or the only one).
    pub default: String,
    /// Sorted by name; never empty.
    pub list: Vec<Context>,
    /// Whether the file names its contexts (`[contexts]`), rather than being one environment.
    pub named: bool,
}

impl Contexts {
    /// A file without contexts: one environment, called [`DEFAULT_CONTEXT`].
    pub fn single(config: Config) -> Self {
        Self {
            default: DEFAULT_CONTEXT.into(),
            list: vec![Context { name: DEFAULT_CONTEXT.into(), config, error: None }],
            named: false,
        }
    }

    pub fn get(&self, name: &str) -> Option<&Context> {
        self.list.iter().find(|c| c.name == name)
    }

    pub fn names(&self) -> Vec<String> {
        self.list.iter().map(|c| c.name.clone()).collect()
    }

    /// The context called `name`, or the default one; an unknown name lists the known ones, a
    /// context with an error in the file gives that error.
    pub fn select(&self, name: Option<&str>) -> Result<&Context, ConfigError> {
        let name = name.unwrap_or(&self.default);
        let context = self.get(name).ok_or_else(|| ConfigError::UnknownContext {
            name: name.into(),
            known: self.names(),
        })?;
        match &context.error {
            Some(message) => Err(ConfigError::Context { message: message.clone() }),
            None => Ok(context),
        }
    }
}

/// Parses a whole config file: its contexts, or the file as the one context.
pub fn parse(text: &str, file: &Path) -> Result<Contexts, ConfigError> {
    let root = DeTable::parse(text).map_err(|e| syntax(text, file, &e))?.into_inner();
    let key_error = |at: usize, key: &str, message: String| {
        let (line, column) = position(text, Some(at));
        ConfigError::Key { file: file.to_path_buf(), line, column, key: key.into(), message }
    };
    let Some((contexts_key, contexts)) = root.get_key_value("contexts") else {
        if let Some((k, _)) = root.get_key_value("context") {
            let message = "names a default context, but the file has no [contexts.NAME] tables";
            return Err(key_error(k.span().start, "context", message.into()));
        }
        return Ok(Contexts::single(super::load::parse_as(text, file)?));
    };
    if let Some((k, _)) = root.iter().find(|(k, _)| !GLOBAL_KEYS.contains(&k.get_ref().as_ref())) {
        let message = "belongs in a context: a file with [contexts] keeps every environment \
                       setting in [contexts.NAME] (only `context` and [ui] stay at the top)";
        return Err(key_error(k.span().start, k.get_ref(), message.into()));
    }
    let DeValue::Table(tables) = contexts.get_ref() else {
        let message = "must be a table of named contexts: [contexts.dev], [contexts.prod]…";
        return Err(key_error(contexts_key.span().start, "contexts", message.into()));
    };
    if tables.is_empty() {
        let message = "names no context: add [contexts.NAME] tables, or remove it";
        return Err(key_error(contexts_key.span().start, "contexts", message.into()));
    }
    let ui = root.get_key_value("ui");
    let mut list = Vec::new();
    for (name, table) in tables {
        let (config, error) = match context(text, file, name, table, ui) {
            Ok(config) => (config, None),
            Err(e) => (Config::default(), Some(e.to_string())),
        };
        list.push(Context { name: name.get_ref().to_string(), config, error });
    }
    list.sort_by(|a, b| a.name.cmp(&b.name));
    // No usable context (e.g. an error in the global [ui], which every context holds): the file
    // as a whole is wrong, and says so at once.
    if let Some(first) = list.iter().find_map(|c| c.error.clone())
        && list.iter().all(|c| c.error.is_some())
    {
        return Err(ConfigError::Context { message: first });
    }
    let default = match root.get("context") {
        Some(v) => default_name(v, &list).map_err(|m| key_error(v.span().start, "context", m))?,
        None if list.len() == 1 => list[0].name.clone(),
        None => {
            let names = list.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
            let message = format!(
                "is missing: the file has several contexts ({names}); say which is the default, \
                 e.g. context = \"{}\"",
                list[0].name
            );
            return Err(key_error(0, "context", message));
        }
    };
    Ok(Contexts { default, list, named: true })
}

/// `context = "NAME"`: a string naming one of the contexts.
fn default_name(v: &Spanned<DeValue>, list: &[Context]) -> Result<String, String> {
    let DeValue::String(name) = v.get_ref() else {
        return Err("must be the name of a context, as a string".into());
    };
    if list.iter().any(|c| c.name == name.as_ref()) {
        return Ok(name.to_string());
    }
    let names = list.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
    Err(format!("no context `{name}` in [contexts]; there are: {names}"))
}

/// One context's table, deserialized as a file without contexts would be (with the global
/// `[ui]` beside it), its errors located in the whole text and named from the top.
fn context(
    text: &str,
    file: &Path,
    name: &Spanned<std::borrow::Cow<'_, str>>,
    table: &Spanned<DeValue>,
    ui: Option<(&Spanned<std::borrow::Cow<'_, str>>, &Spanned<DeValue>)>,
) -> Result<Config, ConfigError> {
    let prefix = format!("contexts.{}", name.get_ref());
    let (line, column) = position(text, Some(table.span().start));
    let DeValue::Table(entries) = table.get_ref() else {
        return Err(ConfigError::Key {
            file: file.to_path_buf(),
            line,
            column,
            key: prefix,
            message: "must be a table: [contexts.NAME] with the context's settings".into(),
        });
    };
    if let Some((k, _)) = entries.get_key_value("ui") {
        let (line, column) = position(text, Some(k.span().start));
        return Err(ConfigError::Key {
            file: file.to_path_buf(),
            line,
            column,
            key: format!("{prefix}.ui"),
            message: "[ui] is global: set it at the top of the file, beside `context`".into(),
        });
    }
    let mut entries = entries.clone();
    if let Some((k, v)) = ui {
        entries.insert(k.clone(), v.clone());
    }
    let de = toml::Deserializer::from(Spanned::new(table.span(), entries));
    serde_path_to_error::deserialize::<_, Config>(de).map_err(|e| located(text, file, e, &prefix))
}

#[cfg(test)]
#[path = "contexts_tests.rs"]
mod tests;
