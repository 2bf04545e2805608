//! `[ui]`: confirmation, the colour theme, the mouse, the customer's contact data.

use serde::Deserialize;

/// `[ui]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// Ask before sending anything.
    pub confirm: bool,
    pub theme: Theme,
    pub mouse: bool,
    /// Show the customer's email and phone in the detail pane as Kore
    /// sends them (masked otherwise).
    pub show_customer_contact: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            confirm: true,
            theme: Theme::Auto,
            mouse: false,
            show_customer_contact: false,
        }
    }
}

/// The colour theme. `NO_COLOR` in the environment forces `Mono` whatever
/// this says; that rule lives in the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Auto,
    Dark,
    Light,
    Mono,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Dark => "dark",
            Theme::Light => "light",
            Theme::Mono => "mono",
        }
    }
}

display_as_str!(Theme);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let ui = UiConfig::default();
        assert!(ui.confirm && !ui.mouse && !ui.show_customer_contact);
        assert_eq!(ui.theme, Theme::Auto);
    }
}
