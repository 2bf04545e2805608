//! Saved views (`:view save NAME`, `:view NAME`, `:view`): what a view
//! holds (the conversation list's filter, sort and its direction, the
//! queue and agent it is narrowed to, the focused pane, problems only),
//! the names a view may have, and the views file's text both ways. Pure:
//! the runtime reads the file at start (`runtime::views_file`) and writes
//! the text `update` hands it (`Effect::SaveViews`).
//!
//! Views come from two places: `[views]` in the config and `views.toml`
//! beside it (what `:view save` writes). On the same name the file wins:
//! a view saved in the console is the supervisor's latest word. A view
//! whose fields no longer parse is named in a problem and skipped; the
//! others load. A file entry that was skipped is written back as it was.

use crate::app::pane::Pane;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest view name.
pub const MAX_VIEW_NAME: usize = 32;
/// The most views the file keeps.
pub const MAX_VIEWS: usize = 100;
/// The longest text field of a view (filter, queue id, agent id).
pub const MAX_VIEW_FIELD: usize = 512;
/// The views file's name, beside the config file.
pub const VIEWS_FILE_NAME: &str = "views.toml";

/// The conversation list's sort words (`SortBy`'s labels: state.rs holds
/// the type, and imports this file, so the words are written here).
pub const SORT_WORDS: [&str; 5] = ["urgency", "state", "age", "id", "channel"];

/// One saved view, as it applies to the lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub filter: String,
    /// One of [`SORT_WORDS`].
    pub sort: String,
    pub reversed: bool,
    /// The queue the conversation list is narrowed to (its id).
    pub queue: Option<String>,
    /// The agent the conversation list is narrowed to (its id).
    pub agent: Option<String>,
    pub focus: Pane,
    pub problems_only: bool,
}

/// A view as the file writes it: words for the sort and the focus, every
/// field optional (a missing one takes the console's default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ViewFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sort: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reversed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    queue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    focus: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    problems: Option<bool>,
}

/// The focus words of a view, one per pane.
const FOCUS_WORDS: [(&str, Pane); 5] = [
    ("conversations", Pane::Conversations),
    ("roster", Pane::Roster),
    ("agents", Pane::Agents),
    ("queues", Pane::Queues),
    ("log", Pane::Log),
];

fn focus_word(pane: Pane) -> &'static str {
    FOCUS_WORDS
        .iter()
        .find(|(_, p)| *p == pane)
        .map_or("conversations", |(w, _)| w)
}

fn text_field(what: &str, text: Option<String>) -> Result<Option<String>, String> {
    match text {
        Some(t) if t.chars().count() > MAX_VIEW_FIELD => {
            Err(format!("{what} is longer than {MAX_VIEW_FIELD} characters"))
        }
        Some(t) if t.chars().any(char::is_control) => {
            Err(format!("{what} holds a control character"))
        }
        t => Ok(t),
    }
}

impl SavedView {
    fn from_fields(f: ViewFields) -> Result<SavedView, String> {
        let sort = match f.sort {
            None => SORT_WORDS[0].to_string(),
            Some(word) if SORT_WORDS.contains(&word.as_str()) => word,
            Some(word) => {
                return Err(format!(
                    "unknown sort {word:?} (urgency, state, age, id or channel)"
                ));
            }
        };
        let focus = match f.focus.as_deref() {
            None => Pane::Conversations,
            Some(word) => FOCUS_WORDS
                .iter()
                .find(|(w, _)| *w == word)
                .map(|(_, p)| *p)
                .ok_or_else(|| {
                    format!("unknown focus {word:?} (conversations, roster, agents, queues or log)")
                })?,
        };
        Ok(SavedView {
            filter: text_field("filter", f.filter)?.unwrap_or_default(),
            sort,
            reversed: f.reversed.unwrap_or(false),
            queue: text_field("queue", f.queue)?.filter(|q| !q.is_empty()),
            agent: text_field("agent", f.agent)?.filter(|a| !a.is_empty()),
            focus,
            problems_only: f.problems.unwrap_or(false),
        })
    }

    fn fields(&self) -> ViewFields {
        ViewFields {
            filter: Some(self.filter.clone()),
            sort: Some(self.sort.clone()),
            reversed: Some(self.reversed),
            queue: self.queue.clone(),
            agent: self.agent.clone(),
            focus: Some(focus_word(self.focus).to_string()),
            problems: Some(self.problems_only),
        }
    }

    /// Reads one view from a TOML value (a table of its fields).
    pub fn from_toml(value: &toml::Value) -> Result<SavedView, String> {
        let fields = ViewFields::deserialize(value.clone()).map_err(|e| e.message().to_string())?;
        SavedView::from_fields(fields)
    }

    /// Its fields in a sentence, for `:view`'s log lines.
    pub fn describe(&self) -> String {
        let mut parts = vec![format!(
            "sort {}{}",
            self.sort,
            if self.reversed { " reversed" } else { "" }
        )];
        if !self.filter.is_empty() {
            parts.push(format!("filter {:?}", self.filter));
        }
        if let Some(q) = &self.queue {
            parts.push(format!("queue {q}"));
        }
        if let Some(a) = &self.agent {
            parts.push(format!("agent {a}"));
        }
        if self.problems_only {
            parts.push("problems only".into());
        }
        parts.push(format!("focus {}", focus_word(self.focus)));
        parts.join(", ")
    }
}

/// Whether `name` can name a view: a short word of letters, digits, `-`
/// and `_` (and not `save`, the verb that saves one).
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("name the view: :view save NAME".into());
    }
    if name.chars().count() > MAX_VIEW_NAME {
        return Err(format!(
            "a view name is at most {MAX_VIEW_NAME} characters ({name:.40} is longer)"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "{name:?} cannot name a view: use letters, digits, - and _ only"
        ));
    }
    if name == "save" {
        return Err("\"save\" cannot name a view (it is the verb that saves one)".into());
    }
    Ok(())
}

/// Every saved view of this run: from the config and from the views file,
/// and where `:view save` writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SavedViews {
    /// The views file (`views.toml` beside the config); `None`: views are
    /// kept for this run only (the demo without a config).
    pub path: Option<String>,
    /// `[views]` of the config.
    pub config: BTreeMap<String, SavedView>,
    /// What the file holds (and `:view save` added).
    pub file: BTreeMap<String, SavedView>,
    /// File entries that did not parse: written back as they were.
    pub unreadable: BTreeMap<String, toml::Value>,
    /// The file could not be read at start (why): saving would overwrite
    /// what it holds, so `:view save` is refused.
    pub broken: Option<String>,
}

impl SavedViews {
    /// The views of the config's `[views]` and of the file's text (`None`:
    /// no file yet; `Err`: it could not be read), and the problems to say:
    /// each names its view, which is skipped.
    pub fn load(
        path: Option<String>,
        config: &BTreeMap<String, toml::Value>,
        file: Result<Option<String>, String>,
    ) -> (SavedViews, Vec<String>) {
        let mut views = SavedViews {
            path,
            ..SavedViews::default()
        };
        let mut problems = Vec::new();
        for (name, value) in config {
            match check_name(name).and_then(|()| SavedView::from_toml(value)) {
                Ok(v) => {
                    views.config.insert(name.clone(), v);
                }
                Err(e) => problems.push(format!("config [views] {name}: {e}; view skipped")),
            }
        }
        let where_ = views.path.clone().unwrap_or_else(|| VIEWS_FILE_NAME.into());
        let text = match file {
            Ok(Some(text)) => text,
            Ok(None) => return (views, problems),
            Err(e) => {
                problems.push(format!(
                    "views file {where_}: {e}; no saved view loaded from it"
                ));
                views.broken = Some(e);
                return (views, problems);
            }
        };
        let table: toml::Table = match toml::from_str(&text) {
            Ok(t) => t,
            Err(e) => {
                let why = e.message().to_string();
                problems.push(format!(
                    "views file {where_} is not TOML ({why}); no saved view loaded from it"
                ));
                views.broken = Some(why);
                return (views, problems);
            }
        };
        for (name, value) in table {
            match check_name(&name).and_then(|()| SavedView::from_toml(&value)) {
                Ok(v) => {
                    views.file.insert(name, v);
                }
                Err(e) => {
                    problems.push(format!(
                        "views file {where_}: view {name}: {e}; view skipped"
                    ));
                    views.unreadable.insert(name, value);
                }
            }
        }
        (views, problems)
    }

    /// The view `name` names: the file's, else the config's.
    pub fn get(&self, name: &str) -> Option<&SavedView> {
        self.file.get(name).or_else(|| self.config.get(name))
    }

    /// Every usable view's name, sorted, each once.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .config
            .keys()
            .chain(self.file.keys())
            .cloned()
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The views file's text: the file's views (and the entries it held
    /// that did not parse, as they were).
    pub fn file_text(&self) -> String {
        let mut table = toml::Table::new();
        for (name, value) in &self.unreadable {
            table.insert(name.clone(), value.clone());
        }
        for (name, view) in &self.file {
            if let Ok(value) = toml::Value::try_from(view.fields()) {
                table.insert(name.clone(), value);
            }
        }
        let body = toml::to_string(&table).unwrap_or_default();
        format!(
            "# Saved views of the switchboard console: `:view save NAME` writes this file,\n\
             # `:view NAME` restores one. Views of the config's [views] with the same name\n\
             # are overridden by these.\n\n{body}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> SavedView {
        SavedView {
            filter: "billing voice".into(),
            sort: "age".into(),
            reversed: true,
            queue: Some("q-1".into()),
            agent: None,
            focus: Pane::Queues,
            problems_only: true,
        }
    }

    #[test]
    fn names_are_short_words() {
        assert!(check_name("morning").is_ok());
        assert!(check_name("bill-ing_2").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("two words").is_err());
        assert!(check_name("a/b").is_err());
        assert!(check_name("save").is_err());
        assert!(check_name(&"x".repeat(MAX_VIEW_NAME + 1)).is_err());
    }

    #[test]
    fn the_file_text_reads_back_the_same() {
        let mut views = SavedViews::default();
        views.file.insert("morning".into(), view());
        let text = views.file_text();
        let (back, problems) = SavedViews::load(None, &BTreeMap::new(), Ok(Some(text)));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(back.get("morning"), Some(&view()));
    }

    #[test]
    fn a_bad_entry_is_named_skipped_and_kept_for_writing() {
        let text =
            "[good]\nsort = \"age\"\n[bad]\nsort = \"loudest\"\n[typed]\nreversed = \"yes\"\n";
        let (views, problems) = SavedViews::load(None, &BTreeMap::new(), Ok(Some(text.into())));
        assert_eq!(views.names(), vec!["good".to_string()]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("view bad") && problems[0].contains("loudest"));
        assert!(problems[1].contains("view typed"));
        let again = views.file_text();
        assert!(again.contains("loudest"), "{again}");
    }

    #[test]
    fn the_file_wins_over_the_config() {
        let mut config = BTreeMap::new();
        config.insert(
            "m".to_string(),
            toml::Value::Table(toml::from_str("sort = \"id\"").unwrap()),
        );
        let file = "[m]\nsort = \"age\"\n".to_string();
        let (views, _) = SavedViews::load(None, &config, Ok(Some(file)));
        assert_eq!(views.get("m").unwrap().sort, "age");
        assert!(!views.file_text().contains("\"id\""));
    }
}
