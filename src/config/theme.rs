//! Colours by meaning. Views ask for `ok`, `warn`, `error`…, never for a colour name, so a theme
//! file can restyle everything. Built-in themes are embedded from themes/*.toml.

use std::path::Path;

use ratatui::style::Color;
use serde::Deserialize;

use super::ConfigError;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub text: ThemeColor,
    pub dim: ThemeColor,
    pub title: ThemeColor,
    pub border: ThemeColor,
    pub ok: ThemeColor,
    pub warn: ThemeColor,
    pub error: ThemeColor,
    /// Data kept from before a backend went down.
    pub stale: ThemeColor,
    pub unknown: ThemeColor,
    pub key: ThemeColor,
    /// The selected row.
    pub highlight: ThemeColor,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThemeColor(pub Color);

impl<'de> Deserialize<'de> for ThemeColor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<Color>().map(ThemeColor).map_err(|_| {
            serde::de::Error::custom(format!(
                "`{s}` is not a colour (a name like `green`, or `#rrggbb`)"
            ))
        })
    }
}

pub const BUILT_IN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
];

impl Theme {
    pub fn built_in(name: &str) -> Option<Result<Self, super::ConfigError>> {
        let (n, text) = BUILT_IN.iter().find(|(n, _)| *n == name)?;
        Some(super::load::parse_as(text, Path::new(&format!("themes/{n}.toml"))))
    }

    /// The role names a theme file must set, as serde sees them (the struct's fields).
    pub fn roles() -> &'static [&'static str] {
        super::names::serde_names::<Theme>()
    }

    /// The theme set in the config or on the command line: `None` is `default`; a name is
    /// `<config_dir>/themes/NAME.toml` when it exists (overriding the built-in of that name),
    /// else the built-in; a path (with a `/` or ending in `.toml`) is that file.
    pub fn load(choice: Option<&str>, config_dir: Option<&Path>) -> Result<Self, ConfigError> {
        load(choice, config_dir)
    }
}

/// See [`Theme::load`].
pub fn load(choice: Option<&str>, config_dir: Option<&Path>) -> Result<Theme, ConfigError> {
    let choice = choice.unwrap_or("default");
    if is_path(choice) {
        return from_file(Path::new(choice));
    }
    if let Some(dir) = config_dir {
        let user = dir.join("themes").join(format!("{choice}.toml"));
        if user.is_file() {
            return from_file(&user);
        }
    }
    match Theme::built_in(choice) {
        Some(theme) => theme,
        None => Err(ConfigError::UnknownTheme {
            name: choice.to_string(),
            available: available(config_dir),
        }),
    }
}

/// Every theme name `load` accepts: the built-in ones and the user's, sorted.
pub fn available(config_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
    if let Some(Ok(entries)) = config_dir.map(|d| std::fs::read_dir(d.join("themes"))) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml")
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
            {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

fn is_path(choice: &str) -> bool {
    choice.contains('/')
        || choice.contains(std::path::MAIN_SEPARATOR)
        || Path::new(choice).extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

fn from_file(file: &Path) -> Result<Theme, ConfigError> {
    let text = std::fs::read_to_string(file)
        .map_err(|source| ConfigError::Read { file: file.to_path_buf(), source })?;
    super::load::parse_as(&text, file)
}

impl Default for Theme {
    fn default() -> Self {
        match Self::built_in("default") {
            Some(Ok(t)) => t,
            // A test below keeps the embedded file valid; this is never reached at run time.
            _ => Self {
                text: ThemeColor(Color::Reset),
                dim: ThemeColor(Color::DarkGray),
                title: ThemeColor(Color::Cyan),
                border: ThemeColor(Color::DarkGray),
                ok: ThemeColor(Color::Green),
                warn: ThemeColor(Color::Yellow),
                error: ThemeColor(Color::Red),
                stale: ThemeColor(Color::DarkGray),
                unknown: ThemeColor(Color::Gray),
                key: ThemeColor(Color::Cyan),
                highlight: ThemeColor(Color::Cyan),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses_and_defines_every_role() {
        for (name, _) in BUILT_IN {
            Theme::built_in(name).unwrap().unwrap_or_else(|e| panic!("{e}"));
        }
    }

    /// The roles documented in themes/default.toml, the keys it sets, and the fields of
    /// `Theme` stay in step.
    #[test]
    fn documented_roles_match_the_struct() {
        let text = include_str!("../../themes/default.toml");
        let documented: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("# Roles"))
            .skip(1)
            .take_while(|l| l.starts_with("#   "))
            .filter_map(|l| l.trim_start_matches('#').split_whitespace().next())
            .collect();
        let mut fields = Theme::roles().to_vec();
        assert!(fields.contains(&"ok") && fields.contains(&"stale"), "{fields:?}");
        let table = text.parse::<toml::Table>().unwrap();
        let mut set: Vec<&str> = table.keys().map(String::as_str).collect();
        let mut documented_sorted = documented.clone();
        documented_sorted.sort_unstable();
        fields.sort_unstable();
        set.sort_unstable();
        assert_eq!(
            documented_sorted, fields,
            "roles documented in themes/default.toml vs Theme's fields"
        );
        assert_eq!(set, fields, "keys set in themes/default.toml vs Theme's fields");
    }

    #[test]
    fn the_default_theme_is_the_embedded_file() {
        assert_eq!(Theme::default(), Theme::built_in("default").unwrap().unwrap());
        assert_eq!(load(None, None).unwrap(), Theme::default());
    }

    #[test]
    fn an_unknown_name_lists_the_available_ones() {
        let e = load(Some("solarized"), None).unwrap_err().to_string();
        assert!(e.contains("solarized") && e.contains("default, high-contrast, light"), "{e}");
    }

    #[test]
    fn a_bad_colour_names_file_and_key() {
        let text =
            include_str!("../../themes/default.toml").replace("ok = \"green\"", "ok = \"greeen\"");
        let e = super::super::load::parse_as::<Theme>(&text, std::path::Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("my.toml:") && e.contains("key `ok`") && e.contains("greeen"), "{e}");
    }
}
