//! Why mutations are refused: `--read-only` on the command line, or a context marked
//! `read_only = true`. One switch for the TUI and every CLI subcommand, and a refusal that says
//! which of the two refused, so a user in `prod` knows it is the context, not a flag.

use super::Config;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ReadOnly {
    /// Mutations are allowed.
    #[default]
    Off,
    /// `--read-only` (or `CDC_CONSOLE_READ_ONLY`): stays whatever the context.
    Flag,
    /// The context in use, named here, is marked `read_only = true`.
    Context(String),
}

impl ReadOnly {
    /// What holds in context `name` with `config`: the flag wins, then the context's mark.
    pub fn of(flag: bool, name: &str, config: &Config) -> Self {
        if flag {
            Self::Flag
        } else if config.read_only {
            Self::Context(name.into())
        } else {
            Self::Off
        }
    }

    pub fn is_on(&self) -> bool {
        *self != Self::Off
    }

    /// Why `what` was refused, for the screen and stderr.
    pub fn refusal(&self, what: &str) -> String {
        match self {
            Self::Context(name) => format!("refused: context `{name}` is read-only: {what}"),
            Self::Flag | Self::Off => format!("refused in --read-only mode: {what}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_and_the_refusal_names_its_cause() {
        let mut prod = Config { read_only: true, ..Config::default() };
        assert_eq!(ReadOnly::of(true, "prod", &prod), ReadOnly::Flag);
        let r = ReadOnly::of(false, "prod", &prod);
        assert!(r.is_on());
        assert_eq!(
            r.refusal("connectors pause x"),
            "refused: context `prod` is read-only: connectors pause x"
        );
        prod.read_only = false;
        assert_eq!(ReadOnly::of(false, "prod", &prod), ReadOnly::Off);
        assert!(!ReadOnly::Off.is_on());
        assert_eq!(ReadOnly::Flag.refusal("generate"), "refused in --read-only mode: generate");
    }
}
