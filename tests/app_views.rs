//! Saved views (issue 22, point 4): `:view save NAME`, `:view NAME`,
//! `:view`, names refused, the views file both ways (a temp dir), a bad
//! entry named and skipped, `[views]` from the config.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use switchboard::app::state::*;
use switchboard::app::views::SavedViews;
use switchboard::app::{Action, Effect, State, update};
use switchboard::runtime::views_file::{self, ViewsSource};
use switchboard::ui::keymap::Keymap;

mod common;
use common::state::{key, settings};

fn console() -> State {
    let mut s = State::new(
        settings("st-test", "TEST", 30_000),
        Keymap::default(),
        "t".into(),
    );
    s.now_ms = 1_000_000;
    for (id, ch) in [
        ("c-1", Channel::Chat),
        ("c-2", Channel::Voice),
        ("c-3", Channel::Chat),
    ] {
        let mut c = Conversation::new(id, ch, "en");
        c.api_status = Some("OPEN".into());
        s.model.conversations.insert(id.into(), c);
    }
    s.views.list.selected = Some("c-1".into());
    s.views.saved_views.path = Some("/cfg/views.toml".into());
    s
}

fn code(k: KeyCode) -> Action {
    Action::Key(KeyEvent::new(k, KeyModifiers::NONE))
}

/// Types `:LINE` and Enter.
fn colon(s: &mut State, line: &str) -> Vec<Effect> {
    let mut fx = update(s, key(':'));
    for c in line.chars() {
        fx.extend(update(s, key(c)));
    }
    fx.extend(update(s, code(KeyCode::Enter)));
    fx
}

fn flash(s: &State) -> (String, bool) {
    s.views.flash.clone().unwrap_or_default()
}

/// The lists narrowed, filtered, sorted and focused as a supervisor would.
fn arrange(s: &mut State) {
    s.views.list.filter = "voice".into();
    s.views.list.sort = SortBy::Age;
    s.views.list.reversed = true;
    s.views.list.queue_narrow = Some("q-billing".into());
    s.views.list.agent_narrow = Some("a-mia".into());
    s.views.problems_only = true;
    s.views.queues.shown = true;
    s.views.focus = Pane::Queues;
}

fn saved_text(fx: &[Effect]) -> String {
    match fx {
        [Effect::SaveViews { path, text, name }] => {
            assert_eq!(path, "/cfg/views.toml");
            assert_eq!(name, "morning");
            text.clone()
        }
        other => panic!("expected one SaveViews, got {other:?}"),
    }
}

#[test]
fn view_save_keeps_the_lists_view_and_asks_for_the_file_to_be_written() {
    let mut s = console();
    arrange(&mut s);
    let fx = colon(&mut s, "view save morning");
    let text = saved_text(&fx);
    assert!(text.contains("[morning]"), "{text}");
    assert!(text.contains("sort = \"age\""), "{text}");
    assert!(text.contains("focus = \"queues\""), "{text}");
    let (said, error) = flash(&s);
    assert!(!error && said.contains("view morning saved"), "{said}");
    assert_eq!(s.views.mode, Mode::Normal);
    // The write's answer comes back as a note, shown to the supervisor.
    update(
        &mut s,
        Action::Note {
            error: false,
            text: "view morning saved to /cfg/views.toml".into(),
        },
    );
    assert!(flash(&s).0.contains("saved to /cfg/views.toml"));
}

#[test]
fn view_name_restores_every_saved_field() {
    let mut s = console();
    arrange(&mut s);
    colon(&mut s, "view save morning");
    // Back to an everyday view.
    s.views.list.filter.clear();
    s.views.list.sort = SortBy::Urgency;
    s.views.list.reversed = false;
    s.views.list.queue_narrow = None;
    s.views.list.agent_narrow = None;
    s.views.problems_only = false;
    s.views.queues.shown = false;
    s.views.focus = Pane::Log;
    let fx = colon(&mut s, "view morning");
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.views.list.filter, "voice");
    assert_eq!(s.views.list.sort, SortBy::Age);
    assert!(s.views.list.reversed && s.views.problems_only && s.views.queues.shown);
    assert_eq!(s.views.list.queue_narrow.as_deref(), Some("q-billing"));
    assert_eq!(s.views.list.agent_narrow.as_deref(), Some("a-mia"));
    assert_eq!(s.views.focus, Pane::Queues);
    assert!(flash(&s).0.starts_with("view morning:"), "{:?}", flash(&s));
}

#[test]
fn view_alone_lists_the_views_in_the_flash_line_and_the_log() {
    let mut s = console();
    let _ = colon(&mut s, "view");
    assert!(flash(&s).0.contains("no view is saved yet"));
    colon(&mut s, "view save b-two");
    s.views.list.sort = SortBy::Id;
    colon(&mut s, "view save a_one");
    colon(&mut s, "view");
    let (said, error) = flash(&s);
    assert!(!error);
    assert!(said.starts_with("views: a_one, b-two"), "{said}");
    let log: Vec<String> = s.log.lines.iter().map(|l| l.text.to_string()).collect();
    assert!(
        log.iter().any(|l| l.starts_with("view a_one: sort id")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("view b-two: sort urgency")),
        "{log:?}"
    );
}

#[test]
fn a_bad_name_is_refused_with_why_and_nothing_is_written() {
    let mut s = console();
    for (line, says) in [
        ("view save two words", "letters, digits"),
        ("view save a/b", "letters, digits"),
        ("view save save", "verb"),
        ("view save", "usage: :view save NAME"),
        (
            &format!("view save {}", "x".repeat(40)) as &str,
            "at most 32",
        ),
    ] {
        let fx = colon(&mut s, line);
        assert!(fx.is_empty(), "{line}: {fx:?}");
        let (said, error) = flash(&s);
        assert!(error && said.contains(says), "{line}: {said}");
    }
    assert!(s.views.saved_views.names().is_empty());
}

#[test]
fn an_unknown_view_is_refused_naming_the_views_there_are() {
    let mut s = console();
    colon(&mut s, "view nope");
    let (said, error) = flash(&s);
    assert!(error && said.contains("none is saved yet"), "{said}");
    colon(&mut s, "view save morning");
    s.views.list.sort = SortBy::Id;
    colon(&mut s, "view mornin");
    let (said, error) = flash(&s);
    assert!(error && said.contains("views: morning"), "{said}");
    assert_eq!(s.views.list.sort, SortBy::Id, "nothing changed");
}

#[test]
fn tab_completes_view_names() {
    let mut s = console();
    colon(&mut s, "view save morning");
    update(&mut s, key(':'));
    for c in "view mo".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Tab));
    match &s.views.mode {
        Mode::Command { input } => assert_eq!(input.as_str(), "view morning"),
        other => panic!("{other:?}"),
    }
    update(&mut s, code(KeyCode::Esc));
    // A name to save over completes after `save` too.
    update(&mut s, key(':'));
    for c in "view save m".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Tab));
    match &s.views.mode {
        Mode::Command { input } => assert_eq!(input.as_str(), "view save morning"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn without_a_config_dir_a_saved_view_lasts_the_run() {
    let mut s = console();
    s.views.saved_views.path = None;
    let fx = colon(&mut s, "view save morning");
    assert!(fx.is_empty());
    assert!(flash(&s).0.contains("kept for this run"));
    assert!(s.views.saved_views.get("morning").is_some());
}

#[test]
fn a_view_saved_round_trips_through_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("views.toml");
    let mut s = console();
    s.views.saved_views.path = Some(path.display().to_string());
    arrange(&mut s);
    let fx = colon(&mut s, "view save morning");
    let [Effect::SaveViews { text, .. }] = &fx[..] else {
        panic!("{fx:?}")
    };
    views_file::write_atomic(&path, text).unwrap();
    let source = ViewsSource {
        file: Some(path.clone()),
        config: BTreeMap::new(),
    };
    let (views, problems) = source.load();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(views.get("morning"), s.views.saved_views.get("morning"));
    assert_eq!(views.path.as_deref(), Some(path.to_str().unwrap()));
}

#[test]
fn a_bad_entry_of_the_file_is_named_and_skipped_the_others_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("views.toml");
    std::fs::write(
        &path,
        "[good]\nsort = \"state\"\n\n[loud]\nsort = \"loudest\"\n\n[lost]\nfocus = \"sidebar\"\n\n\
         [typed]\nproblems = \"yes\"\n\n[\"bad name\"]\nsort = \"id\"\n",
    )
    .unwrap();
    let source = ViewsSource {
        file: Some(path.clone()),
        config: BTreeMap::new(),
    };
    let (views, problems) = source.load();
    assert_eq!(views.names(), vec!["good".to_string()]);
    let said = problems.join("\n");
    for name in ["loud", "lost", "typed", "bad name"] {
        assert!(said.contains(&format!("view {name}:")), "{name}: {said}");
    }
    assert!(
        said.contains("loudest") && said.contains("sidebar"),
        "{said}"
    );
    assert_eq!(problems.len(), 4);
}

#[test]
fn a_file_that_is_not_toml_is_named_and_saving_is_refused_so_it_is_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("views.toml");
    std::fs::write(&path, "[morning\nsort = ").unwrap();
    let source = ViewsSource {
        file: Some(path.clone()),
        config: BTreeMap::new(),
    };
    let (views, problems) = source.load();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("not TOML"), "{problems:?}");
    let mut s = console();
    s.views.saved_views = views;
    let fx = colon(&mut s, "view save morning");
    assert!(fx.is_empty());
    assert!(flash(&s).0.contains("could not be read at start"));
}

#[test]
fn a_write_that_fails_is_said_and_the_views_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("views.toml");
    assert!(views_file::write_atomic(&path, "[a]\n").is_err());
    let mut s = console();
    colon(&mut s, "view save morning");
    update(
        &mut s,
        Action::Note {
            error: true,
            text: "view morning is kept for this run but was not written to /cfg/views.toml: \
                   Read-only file system (os error 30)"
                .into(),
        },
    );
    let (said, error) = flash(&s);
    assert!(error && said.contains("not written"), "{said}");
    assert!(s.views.saved_views.get("morning").is_some());
}

#[test]
fn views_of_the_config_load_and_the_file_wins_on_the_same_name() {
    let text = r#"
[kore]
host = "https://platform.kore.ai"
bot_id = "st-1"
org_id = "o-1"
account_id = "acc-1"
client_id = "cs-1"
client_secret = { env = "KORE_SECRET" }

[views.morning]
filter = "billing"
sort = "age"

[views.evening]
sort = "id"
focus = "log"

[views.broken]
sort = 3
"#;
    let loaded = switchboard::config::load_str(text, "c.toml".as_ref()).expect("loads");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("views.toml");
    std::fs::write(&path, "[evening]\nsort = \"channel\"\n").unwrap();
    let source = ViewsSource {
        file: Some(path),
        config: loaded.config.views.clone(),
    };
    let (views, problems) = source.load();
    assert_eq!(
        views.names(),
        vec!["evening".to_string(), "morning".to_string()]
    );
    assert_eq!(views.get("morning").unwrap().filter, "billing");
    assert_eq!(views.get("evening").unwrap().sort, "channel");
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("[views] broken"), "{problems:?}");
    // Saving writes the file's views only: the config's stay in the config.
    let mut s = console();
    s.views.saved_views = views;
    let fx = colon(&mut s, "view save night");
    let [Effect::SaveViews { text, .. }] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert!(text.contains("[night]") && text.contains("[evening]"));
    assert!(!text.contains("[morning]"));
    let _: SavedViews = s.views.saved_views.clone();
}

#[test]
fn a_views_sort_words_are_the_lists_sorts() {
    let labels: Vec<&str> = SortBy::ALL.iter().map(|s| s.label()).collect();
    assert_eq!(labels, switchboard::app::views::SORT_WORDS.to_vec());
}
