//! The runner's side of team mode for claims and the activity log
//! (issue 21.4, 21.5): `Effect::Claim` asks Redis before the send and
//! reports `TeamReport::ClaimAnswered` (`Effect::ClaimBulk`: a bulk's
//! conversations in one pipeline, `TeamReport::BulkClaimAnswered`);
//! `Effect::ReleaseClaim` releases it by
//! compare-and-delete; `Effect::TeamPublish` adds a line to the team's
//! stream; `Effect::TeamWho` reads the presence records. The activity
//! stream is read from its end by a task of its own, releases Redis
//! missed are tried again every few seconds, and the claims held (their
//! requests queued or in flight) are renewed until their outcomes.

use super::{Inner, Runner};
use crate::app::Action;
use crate::app::Effect;
use crate::app::TeamReport;
use crate::app::state::Pending;
use crate::app::team::{ClaimReply, Teammate};
use crate::team::claims::{ClaimAnswer, Claims};
use crate::team::{Role, Team, activity};
use std::sync::Arc;
use std::time::Duration;

/// How often releases Redis missed are tried again.
const RELEASE_RETRY: Duration = Duration::from_secs(2);

/// What a runner in team mode holds.
pub(super) struct TeamLink {
    pub(super) team: Team,
    pub(super) claims: Arc<Claims>,
    /// Activity lines, kept while Redis is down.
    pub(super) outbox: Arc<activity::Outbox>,
}

impl Runner {
    /// Team mode for claims and the activity log: sends of the kinds that
    /// are claimed ask Redis first, every action and outcome is published,
    /// and teammates' lines come in as `TeamReport::Activity`. Spawns the
    /// stream's reader and the release retries (needs a tokio runtime).
    pub fn attach_team(&self, team: Team) {
        let claims = Arc::new(Claims::new(team.clone()));
        let tx = self.inner.tx.clone();
        tokio::spawn(activity::follow(team.clone(), move |line| {
            tx.send(Action::TeamReport(TeamReport::Activity {
                who: line.who,
                kind: line.kind,
                conversation: line.conversation,
                text: line.text,
            }))
            .is_ok()
        }));
        let alive = self.inner.tx.clone();
        tokio::spawn(claims.clone().keep_renewed(move || !alive.is_closed()));
        let retry = claims.clone();
        let outbox = Arc::new(activity::Outbox::new(team.clone()));
        let kept = outbox.clone();
        let alive = self.inner.tx.clone();
        tokio::spawn(async move {
            while !alive.is_closed() {
                tokio::time::sleep(RELEASE_RETRY).await;
                if retry.unreleased() > 0 {
                    retry.retry_releases().await;
                }
                if kept.waiting() > 0 || kept.dropped() > 0 {
                    kept.flush().await;
                }
            }
        });
        let _ = self.inner.team_log.set(TeamLink {
            team,
            claims,
            outbox,
        });
    }

    /// Whether the runner is in team mode.
    pub fn team_on(&self) -> bool {
        self.inner.team_log.get().is_some()
    }

    /// The team's claims, when in team mode (tests, the demo's teammates).
    pub fn team_claims(&self) -> Option<Arc<Claims>> {
        self.inner.team_log.get().map(|l| l.claims.clone())
    }
}

/// `Effect::Claim`: asks Redis and reports what it said. Without team mode
/// it is granted at once.
pub(super) fn claim(
    inner: &Arc<Inner>,
    conversation: String,
    what: String,
    force: bool,
    pending: Box<Pending>,
) {
    let inner = inner.clone();
    tokio::spawn(async move {
        let reply = match inner.team_log.get() {
            None => ClaimReply::Granted,
            Some(link) => reply_of(link.claims.claim(&conversation, &what, force).await),
        };
        inner.send(Action::TeamReport(TeamReport::ClaimAnswered {
            conversation,
            pending,
            reply,
        }));
    });
}

/// `Effect::ClaimBulk`: asks Redis for every conversation of a bulk in one
/// pipeline and reports each reply. Without team mode all are granted.
pub(super) fn claim_bulk(inner: &Arc<Inner>, effect: Effect) {
    let Effect::ClaimBulk {
        conversations,
        what,
        plan,
    } = effect
    else {
        return;
    };
    let inner = inner.clone();
    tokio::spawn(async move {
        let answers = match inner.team_log.get() {
            None => vec![ClaimAnswer::Granted; conversations.len()],
            Some(link) => link.claims.claim_many(&conversations, &what).await,
        };
        let replies = conversations
            .into_iter()
            .zip(answers.into_iter().map(reply_of))
            .collect();
        inner.send(Action::TeamReport(TeamReport::BulkClaimAnswered {
            plan,
            replies,
        }));
    });
}

/// Redis's answer to a claim as the app reads it.
fn reply_of(answer: ClaimAnswer) -> ClaimReply {
    match answer {
        ClaimAnswer::Granted => ClaimReply::Granted,
        ClaimAnswer::Refused(v) => ClaimReply::Refused {
            who: v.name,
            what: v.what,
            since_ms: v.since_ms,
        },
        ClaimAnswer::Unavailable(why) => ClaimReply::Unavailable(why),
    }
}

/// `Effect::ReleaseClaim`.
pub(super) fn release(inner: &Arc<Inner>, conversation: String) {
    let Some(claims) = inner.team_log.get().map(|l| l.claims.clone()) else {
        return;
    };
    tokio::spawn(async move { claims.release(&conversation).await });
}

/// `Effect::TeamPublish`: one line to the stream; while Redis is down it
/// is kept (up to `activity::KEPT_WHILE_DOWN`) and published when Redis
/// answers again.
pub(super) fn publish(inner: &Arc<Inner>, kind: String, conversation: String, text: String) {
    let Some(outbox) = inner.team_log.get().map(|l| l.outbox.clone()) else {
        return;
    };
    tokio::spawn(async move { outbox.publish(&kind, &conversation, &text).await });
}

/// `Effect::TeamWho`: the members and the poller, as `TeamReport::Members`.
pub(super) fn who(inner: &Arc<Inner>) {
    let Some(team) = inner.team_log.get().map(|l| l.team.clone()) else {
        inner.send(Action::TeamReport(TeamReport::Members(Err(
            "not in team mode".into(),
        ))));
        return;
    };
    let inner = inner.clone();
    tokio::spawn(async move {
        let answer = async {
            let members = team.members().await?;
            let leader = team.leader().await?;
            Ok::<_, crate::team::TeamError>((members, leader))
        }
        .await;
        let me = team.member_id();
        if let Ok(((_, unreadable), _)) = &answer
            && *unreadable > 0
        {
            inner.send(Action::Note {
                error: true,
                text: format!(
                    "who: {unreadable} presence record(s) in Redis are not a console's (too long or not Switchboard's); left out"
                ),
            });
        }
        let list = answer
            .map(|((members, _), leader)| teammates(members, leader.as_deref(), &me))
            .map_err(|e| e.to_string());
        inner.send(Action::TeamReport(TeamReport::Members(list)));
    });
}

/// The presence records as `:who` shows them: the poller is the leader
/// (by its role, or by the lease's name when no record says so yet).
pub(super) fn teammates(
    members: Vec<crate::team::Member>,
    leader: Option<&str>,
    me: &str,
) -> Vec<Teammate> {
    let any_poller = members.iter().any(|m| m.role == Role::Poller);
    members
        .into_iter()
        .map(|m| Teammate {
            leader: m.role == Role::Poller || (!any_poller && leader == Some(m.name.as_str())),
            me: m.id == me,
            name: m.name,
            last_action: m.last_action,
            last_action_ms: m.last_action_ms,
        })
        .collect()
}
