//! `cdc-console contexts`: the config file's contexts, as `kubectl config get-contexts` lists
//! them: the one in use marked, read-only or not, and where each points. Endpoints only: a
//! PostgreSQL endpoint's Display has no password, and nothing else of a context is printed.

use serde::Serialize;

use crate::cli::table::Table;
use crate::cli::{EXIT_OK, Output};
use crate::config::{Context, Loaded};

/// One context as `-o json` prints it.
#[derive(Debug, Serialize)]
pub struct ContextRow {
    pub name: String,
    /// The context this invocation uses (`--context`, `CDC_CONSOLE_CONTEXT`, else the default).
    pub current: bool,
    /// The file's default context.
    pub default: bool,
    pub read_only: bool,
    pub source: String,
    pub sink: String,
    pub brokers: String,
    pub connect: Vec<ConnectRow>,
    /// Why the context cannot be used (its error in the file, located), if it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ConnectRow {
    pub name: String,
    pub url: String,
}

impl ContextRow {
    fn new(c: &Context, loaded: &Loaded) -> Self {
        let config = &c.config;
        if let Some(error) = &c.error {
            // Its settings could not be read: no endpoint of it is known.
            return Self {
                name: c.name.clone(),
                current: false,
                default: c.name == loaded.contexts.default,
                read_only: false,
                source: String::new(),
                sink: String::new(),
                brokers: String::new(),
                connect: Vec::new(),
                error: Some(error.clone()),
            };
        }
        Self {
            name: c.name.clone(),
            current: c.name == loaded.current,
            default: c.name == loaded.contexts.default,
            read_only: config.read_only,
            source: config.source.to_string(),
            sink: config.sink.to_string(),
            brokers: config.kafka.brokers.clone(),
            connect: config
                .connect
                .iter()
                .map(|k| ConnectRow { name: k.name.clone(), url: k.url.to_string() })
                .collect(),
            error: c.error.clone(),
        }
    }
}

/// Every context of the file, in name order.
pub fn rows(loaded: &Loaded) -> Vec<ContextRow> {
    loaded.contexts.list.iter().map(|c| ContextRow::new(c, loaded)).collect()
}

pub fn run(loaded: &Loaded, output: Output) -> anyhow::Result<u8> {
    let rows = rows(loaded);
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Output::Table => print!("{}", table(&rows).render()),
    }
    Ok(EXIT_OK)
}

fn table(rows: &[ContextRow]) -> Table {
    let mut t =
        Table::new(&["current", "name", "read-only", "source", "sink", "brokers", "connect"]);
    for r in rows {
        let connect = r.connect.iter().map(|c| c.url.as_str()).collect::<Vec<_>>().join(",");
        if let Some(e) = &r.error {
            let (name, unusable) = (r.name.clone(), format!("✗ cannot be used: {e}"));
            t.row(vec![
                String::new(),
                name,
                String::new(),
                unusable,
                String::new(),
                String::new(),
                String::new(),
            ]);
            continue;
        }
        t.row(vec![
            if r.current { "*".into() } else { String::new() },
            r.name.clone(),
            if r.read_only { "yes".into() } else { "no".into() },
            r.source.clone(),
            r.sink.clone(),
            r.brokers.clone(),
            connect,
        ]);
    }
    t
}
