//! Styles by role. A view asks the theme for `t.dim()`, `t.error()`, `t.title()`,
//! `t.border(focused)`…, never builds a style from a colour, so what each role looks like is
//! decided here once (colours come from the theme file, modifiers from here).
//!
//! Bold variants of the plain roles are `t.ok().bold()` (`Style::bold`).

use ratatui::style::{Modifier, Style};

use crate::config::theme::{Theme, ThemeColor};

/// The theme's roles as styles. Implemented for [`Theme`]; bring it into scope to draw.
pub trait Roles {
    /// Body text.
    fn text(&self) -> Style;
    /// Labels, units, what is secondary.
    fn dim(&self) -> Style;
    fn ok(&self) -> Style;
    fn warn(&self) -> Style;
    fn error(&self) -> Style;
    /// Data kept from before a backend went down.
    fn stale(&self) -> Style;
    fn unknown(&self) -> Style;
    /// Keys, config keys, the input cursor.
    fn key(&self) -> Style;
    /// A block's title, bold.
    fn title(&self) -> Style;
    /// A small title in the title colour, not bold: the overview's stage boxes.
    fn caption(&self) -> Style;
    /// A table's header row.
    fn heading(&self) -> Style;
    /// A block's border; the highlight role when its pane has the focus.
    fn border(&self, focused: bool) -> Style;
    /// The selected row of a table.
    fn selected(&self) -> Style;
    /// A view's name in the header: marked when it is the current one.
    fn tab(&self, current: bool) -> Style;
    /// A dialog button: marked when it has the focus.
    fn button(&self, focused: bool) -> Style;
}

fn fg(c: ThemeColor) -> Style {
    Style::new().fg(c.0)
}

impl Roles for Theme {
    fn text(&self) -> Style {
        fg(self.text)
    }

    fn dim(&self) -> Style {
        fg(self.dim)
    }

    fn ok(&self) -> Style {
        fg(self.ok)
    }

    fn warn(&self) -> Style {
        fg(self.warn)
    }

    fn error(&self) -> Style {
        fg(self.error)
    }

    fn stale(&self) -> Style {
        fg(self.stale)
    }

    fn unknown(&self) -> Style {
        fg(self.unknown)
    }

    fn key(&self) -> Style {
        fg(self.key)
    }

    fn title(&self) -> Style {
        fg(self.title).add_modifier(Modifier::BOLD)
    }

    fn caption(&self) -> Style {
        fg(self.title)
    }

    fn heading(&self) -> Style {
        fg(self.dim).add_modifier(Modifier::BOLD)
    }

    fn border(&self, focused: bool) -> Style {
        fg(if focused { self.highlight } else { self.border })
    }

    fn selected(&self) -> Style {
        fg(self.highlight).add_modifier(Modifier::REVERSED)
    }

    fn tab(&self, current: bool) -> Style {
        if current {
            fg(self.key).add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            fg(self.dim)
        }
    }

    fn button(&self, focused: bool) -> Style {
        if focused {
            fg(self.key).add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            fg(self.dim)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_the_theme_colours_with_their_modifiers() {
        let t = Theme::default();
        assert_eq!(t.dim(), Style::new().fg(t.dim.0));
        assert_eq!(t.title(), Style::new().fg(t.title.0).add_modifier(Modifier::BOLD));
        assert_eq!(t.border(true), Style::new().fg(t.highlight.0));
        assert_eq!(
            t.error().bold(),
            Style::new().fg(t.error.0).add_modifier(Modifier::BOLD),
            "bold variants equal the styles they replace"
        );
    }
}
