//! One activity log (issue 21.5): every console publishes its actions and
//! their outcomes to one Redis stream (`XADD MAXLEN ~ 10000`), and reads
//! its teammates' from it (`XREAD BLOCK`, from `$` at start, on a
//! connection of its own). The local journal stays the source of truth for
//! what this console sent; the stream is only what teammates see.
//!
//! Fields: `member` (the console's id, so it skips its own lines), `who`
//! (its display name), `kind` (`action`, `outcome`, `claim`), `conv` (the
//! conversation id) and `text` (short). Nothing secret, no customer contact
//! data: the texts are the console's own summaries (verb, conversation id,
//! agent or queue name).

use super::{Team, TeamError};
use redis::streams::StreamReadReply;
use std::time::Duration;

/// The stream keeps about this many entries.
pub const STREAM_MAXLEN: usize = 10_000;
/// The longest text published.
pub const MAX_TEXT_CHARS: usize = 160;
/// How long one blocking read waits before it asks again.
const BLOCK_MS: u64 = 5_000;

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
    let mut conn = team.conn();
    if kind == "action" {
        team.note_action(&text);
        // `:who` reads it from the presence record at once.
        team.renew_presence().await?;
    }
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
        .arg(&text)
        .query_async(&mut conn)
        .await?;
    Ok(())
}

/// Reads the stream from its end at the start and hands every teammate's
/// line to `deliver` (this console's own are skipped), for as long as
/// `deliver` returns true. A lost connection is made again after a pause;
/// lines written meanwhile are read from where it stopped.
pub async fn follow(team: Team, mut deliver: impl FnMut(ActivityLine) -> bool + Send) {
    let me = team.member_id();
    let mut last = "$".to_string();
    loop {
        let mut conn = match team.blocking_connection().await {
            Ok(c) => c,
            Err(_) => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            let reply: Result<Option<StreamReadReply>, _> = redis::cmd("XREAD")
                .arg("BLOCK")
                .arg(BLOCK_MS)
                .arg("STREAMS")
                .arg(team.keys().activity())
                .arg(&last)
                .query_async(&mut conn)
                .await;
            let Ok(reply) = reply else {
                tokio::time::sleep(Duration::from_secs(1)).await;
                break;
            };
            for entry in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
                last = entry.id.clone();
                let line = ActivityLine {
                    member: entry.get("member").unwrap_or_default(),
                    who: entry.get("who").unwrap_or_default(),
                    kind: entry.get("kind").unwrap_or_default(),
                    conversation: entry.get("conv").unwrap_or_default(),
                    text: entry.get("text").unwrap_or_default(),
                };
                if line.member != me && !deliver(line) {
                    return;
                }
            }
        }
    }
}
