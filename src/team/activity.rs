//! One activity log (issue 21.5): every console publishes its actions and
//! their outcomes to one Redis stream (`XADD MAXLEN ~ 10000`), and reads
//! its teammates' from it (from its end at start, a bounded read every
//! [`FOLLOW_EVERY`]). The local journal stays the source of truth for
//! what this console sent; the stream is only what teammates see.
//!
//! Fields: `member` (the console's id, so it skips its own lines), `who`
//! (its display name), `kind` (`action`, `outcome`, `claim`), `conv` (the
//! conversation id) and `text` (short). Nothing secret, no customer contact
//! data: the texts are the console's own summaries (verb, conversation id,
//! agent or queue name).
//!
//! While Redis is down the lines are not lost: [`Outbox`] keeps up to
//! [`KEPT_WHILE_DOWN`] of them in order (counting those past that) and
//! publishes them, marked as sent late, when Redis answers again, then a
//! line saying how many were dropped, if any.

use super::{StreamRead, Team, TeamError, read_stream};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// The stream keeps about this many entries.
pub const STREAM_MAXLEN: usize = 10_000;
/// The longest text published.
pub const MAX_TEXT_CHARS: usize = 160;
/// How often the stream is read for teammates' lines.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(250);
/// The most entries read at once.
pub const FOLLOW_COUNT: usize = 100;
/// The longest field value read (bytes): a text is at most
/// [`MAX_TEXT_CHARS`] characters.
pub const MAX_FIELD_BYTES: usize = 1_024;
/// The most lines kept while Redis is down; later ones are counted.
pub const KEPT_WHILE_DOWN: usize = 1_000;
/// What a line kept while Redis was down says after its text.
pub const SENT_LATE: &str = " (sent late: Redis was down)";

/// One entry of the team's activity stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityLine {
    pub member: String,
    pub who: String,
    pub kind: String,
    pub conversation: String,
    pub text: String,
}

/// Publishes one line as this console; an action is also what it last
/// did (written to its presence record now, for `:who`).
pub async fn publish(
    team: &Team,
    kind: &str,
    conversation: &str,
    text: &str,
) -> Result<(), TeamError> {
    let text: String = text.chars().take(MAX_TEXT_CHARS).collect();
    if kind == "action" {
        team.note_action(&text);
        // `:who` reads it from the presence record at once.
        team.renew_presence().await?;
    }
    append(team, kind, conversation, &text).await
}

/// Adds one line to the stream as it is (no presence).
async fn append(team: &Team, kind: &str, conversation: &str, text: &str) -> Result<(), TeamError> {
    let mut conn = team.conn();
    let _: String = redis::cmd("XADD")
        .arg(team.keys().activity())
        .arg("MAXLEN")
        .arg("~")
        .arg(STREAM_MAXLEN)
        .arg("*")
        .arg("member")
        .arg(team.member_id())
        .arg("who")
        .arg(team.name())
        .arg("kind")
        .arg(kind)
        .arg("conv")
        .arg(conversation)
        .arg("text")
        .arg(text)
        .query_async(&mut conn)
        .await?;
    Ok(())
}

/// One line waiting for Redis.
#[derive(Debug, Clone)]
struct Kept {
    kind: String,
    conversation: String,
    text: String,
}

/// What waits for Redis: the lines in order, and how many were dropped
/// past [`KEPT_WHILE_DOWN`].
#[derive(Debug, Default)]
struct Waiting {
    lines: VecDeque<Kept>,
    dropped: u64,
}

/// This console's side of the stream: publishes each line, or keeps it
/// while Redis is down and publishes it when Redis answers again
/// ([`Outbox::flush`]).
#[derive(Debug)]
pub struct Outbox {
    team: Team,
    waiting: Mutex<Waiting>,
    /// One flush at a time, so lines go out in order.
    flushing: tokio::sync::Mutex<()>,
}

impl Outbox {
    pub fn new(team: Team) -> Outbox {
        Outbox {
            team,
            waiting: Mutex::default(),
            flushing: tokio::sync::Mutex::new(()),
        }
    }

    /// Publishes one line now; while earlier lines wait (Redis was down)
    /// it waits behind them without asking Redis.
    pub async fn publish(&self, kind: &str, conversation: &str, text: &str) {
        let behind = {
            let w = self.lock();
            !w.lines.is_empty() || w.dropped > 0
        };
        if behind {
            if kind == "action" {
                self.team.note_action(text);
            }
        } else if publish(&self.team, kind, conversation, text).await.is_ok() {
            return;
        } else {
            self.team.mark_down();
        }
        let mut w = self.lock();
        if w.lines.len() >= KEPT_WHILE_DOWN {
            w.dropped += 1;
            return;
        }
        w.lines.push_back(Kept {
            kind: kind.to_string(),
            conversation: conversation.to_string(),
            text: text.chars().take(MAX_TEXT_CHARS).collect(),
        });
    }

    /// Publishes what waits, in order, marked as sent late, then how many
    /// were dropped, if any; stops at the first line Redis does not take.
    /// Returns how many lines still wait.
    pub async fn flush(&self) -> usize {
        let _one = self.flushing.lock().await;
        loop {
            let next = self.lock().lines.front().cloned();
            let Some(line) = next else { break };
            let text = format!("{}{SENT_LATE}", line.text);
            if append(&self.team, &line.kind, &line.conversation, &text)
                .await
                .is_err()
            {
                return self.waiting();
            }
            self.lock().lines.pop_front();
        }
        let dropped = self.lock().dropped;
        if dropped > 0 {
            let text = format!("{dropped} activity line(s) dropped while Redis was down");
            if append(&self.team, "note", "", &text).await.is_ok() {
                self.lock().dropped -= dropped;
            }
        }
        self.waiting()
    }

    /// Lines waiting for Redis.
    pub fn waiting(&self) -> usize {
        self.lock().lines.len()
    }

    /// Lines dropped past [`KEPT_WHILE_DOWN`] and not yet said.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Reads the stream from its end at the start and hands every teammate's
/// line to `deliver` (this console's own are skipped), for as long as
/// `deliver` returns true. It asks every [`FOLLOW_EVERY`], bounded (at most
/// [`FOLLOW_COUNT`] entries of [`MAX_FIELD_BYTES`] per field: another
/// program may write anything there), and the names and texts are cleaned
/// for the screen. Redis out of reach: asked again after a pause; lines
/// written meanwhile are read from where it stopped.
pub async fn follow(team: Team, mut deliver: impl FnMut(ActivityLine) -> bool + Send) {
    let me = team.member_id();
    let key = team.keys().activity();
    let mut last = "$".to_string();
    loop {
        let read = StreamRead {
            from: &last,
            count: FOLLOW_COUNT,
            backlog: 0,
            max_bytes: MAX_FIELD_BYTES,
            fields: &["member", "who", "kind", "conv", "text"],
        };
        let entries = match read_stream(&team, &key, read).await {
            Ok((to, entries)) => {
                last = to;
                entries
            }
            Err(_) => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let full = entries.len() >= FOLLOW_COUNT;
        for entry in entries {
            let line = ActivityLine {
                member: entry.text("member"),
                who: super::shown_name(&entry.text("who")),
                kind: super::shown_text(&entry.text("kind"), 16),
                conversation: super::shown_text(&entry.text("conv"), 64),
                text: super::shown_text(&entry.text("text"), MAX_TEXT_CHARS),
            };
            if line.member != me && !deliver(line) {
                return;
            }
        }
        if !full {
            tokio::time::sleep(FOLLOW_EVERY).await;
        }
    }
}
