//! What the poller publishes for its followers: each poll Action in a form
//! that goes through Redis (JSON), and back into the same Action on the
//! other side. The customer's phone number is left out: nothing of a
//! customer's contact data goes into Redis.

use crate::app::{Action, ConversationPage, PollGroup, PollPlan};
use crate::kore::wire::{
    AgentRecord, AvailabilityResponse, ConversationRecord, QueueRecord, QueueSize,
};
use serde::{Deserialize, Serialize};

/// One poll result, as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PollNews {
    Page {
        waiting: bool,
        seq: u64,
        skip: u32,
        records: Vec<ConversationRecord>,
        closed: Vec<(String, String)>,
        total: Option<u64>,
        sweep_from: Option<u64>,
        cut: bool,
    },
    Round {
        plan: PlanNews,
        error: Option<String>,
    },
    Agents {
        agents: Result<Vec<AgentRecord>, String>,
        availability: Option<AvailabilityResponse>,
    },
    Queues {
        result: Result<Vec<QueueRecord>, String>,
    },
    QueueSized {
        queue_id: String,
        result: Result<Option<QueueSize>, String>,
    },
}

/// [`PollPlan`] as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanNews {
    pub round_ms: u64,
    pub pages_per_round: u32,
    pub pages: [u32; 2],
    pub waiting_cap: u32,
    pub rounds: u32,
    pub full_ms: u64,
}

impl PollNews {
    /// The news of a poll Action; `None` for every other Action.
    pub fn of(action: &Action) -> Option<PollNews> {
        Some(match action {
            Action::ConversationsPage(page) => PollNews::Page {
                waiting: page.group == PollGroup::Waiting,
                seq: page.seq,
                skip: page.skip,
                records: page.records.iter().map(without_contact).collect(),
                closed: page.closed.clone(),
                total: page.total,
                sweep_from: page.sweep_from,
                cut: page.cut,
            },
            Action::PollRound { plan, error } => PollNews::Round {
                plan: PlanNews {
                    round_ms: plan.round_ms,
                    pages_per_round: plan.pages_per_round,
                    pages: plan.pages,
                    waiting_cap: plan.waiting_cap,
                    rounds: plan.rounds,
                    full_ms: plan.full_ms,
                },
                error: error.clone(),
            },
            Action::AgentsListed {
                agents,
                availability,
            } => PollNews::Agents {
                agents: agents.clone(),
                availability: availability.clone(),
            },
            Action::QueuesListed { result } => PollNews::Queues {
                result: result.clone(),
            },
            Action::QueueSized { queue_id, result } => PollNews::QueueSized {
                queue_id: queue_id.clone(),
                result: result.clone(),
            },
            _ => return None,
        })
    }

    /// The sequence number of a page, for the next poller's count.
    pub fn seq(&self) -> Option<u64> {
        match self {
            PollNews::Page { seq, .. } => Some(*seq),
            _ => None,
        }
    }

    /// The same Action the poll made on the poller's side.
    pub fn into_action(self) -> Action {
        match self {
            PollNews::Page {
                waiting,
                seq,
                skip,
                records,
                closed,
                total,
                sweep_from,
                cut,
            } => Action::ConversationsPage(Box::new(ConversationPage {
                group: if waiting {
                    PollGroup::Waiting
                } else {
                    PollGroup::Rest
                },
                seq,
                skip,
                records,
                closed,
                total,
                sweep_from,
                cut,
            })),
            PollNews::Round { plan, error } => Action::PollRound {
                plan: PollPlan {
                    round_ms: plan.round_ms,
                    pages_per_round: plan.pages_per_round,
                    pages: plan.pages,
                    waiting_cap: plan.waiting_cap,
                    rounds: plan.rounds,
                    full_ms: plan.full_ms,
                },
                error,
            },
            PollNews::Agents {
                agents,
                availability,
            } => Action::AgentsListed {
                agents,
                availability,
            },
            PollNews::Queues { result } => Action::QueuesListed { result },
            PollNews::QueueSized { queue_id, result } => Action::QueueSized { queue_id, result },
        }
    }
}

/// A record without the customer's contact data.
fn without_contact(record: &ConversationRecord) -> ConversationRecord {
    ConversationRecord {
        phone_number: None,
        ..record.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_goes_through_json_without_the_phone_number() {
        let record = ConversationRecord {
            id: Some("c-1".into()),
            status: Some("OPEN".into()),
            phone_number: Some("+10000000000".into()),
            wait_time: Some(12),
            ..Default::default()
        };
        let action = Action::ConversationsPage(Box::new(ConversationPage {
            group: PollGroup::Waiting,
            seq: 4,
            skip: 0,
            records: vec![record.clone()],
            closed: vec![],
            total: Some(1),
            sweep_from: Some(3),
            cut: false,
        }));
        let news = PollNews::of(&action).unwrap();
        let json = serde_json::to_string(&news).unwrap();
        assert!(!json.contains("+10000000000"));
        let back: PollNews = serde_json::from_str(&json).unwrap();
        let Action::ConversationsPage(page) = back.into_action() else {
            panic!("not a page");
        };
        assert_eq!(page.records[0].id, record.id);
        assert_eq!(page.records[0].phone_number, None);
        assert_eq!((page.seq, page.sweep_from), (4, Some(3)));
        assert!(PollNews::of(&Action::Resize(1, 1)).is_none());
    }
}
