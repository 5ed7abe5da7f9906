//! Colours by meaning. Views ask for `ok`, `warn`, `error`…, never for a colour name, so a theme
//! file can restyle everything. Built-in themes are embedded from themes/*.toml.

use ratatui::style::Color;
use serde::Deserialize;

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
        s.parse::<Color>()
            .map(ThemeColor)
            .map_err(|_| serde::de::Error::custom(format!("`{s}` is not a colour (a name like `green`, or `#rrggbb`)")))
    }
}

pub const BUILT_IN: &[(&str, &str)] = &[("default", include_str!("../../themes/default.toml"))];

impl Theme {
    pub fn built_in(name: &str) -> Option<Result<Self, super::ConfigError>> {
        let (n, text) = BUILT_IN.iter().find(|(n, _)| *n == name)?;
        Some(super::load::parse_as(text, std::path::Path::new(&format!("themes/{n}.toml"))))
    }
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

    #[test]
    fn a_bad_colour_names_file_and_key() {
        let text = include_str!("../../themes/default.toml").replace("ok = \"green\"", "ok = \"greeen\"");
        let e = super::super::load::parse_as::<Theme>(&text, std::path::Path::new("my.toml")).unwrap_err().to_string();
        assert!(e.contains("my.toml:") && e.contains("key `ok`") && e.contains("greeen"), "{e}");
    }
}
