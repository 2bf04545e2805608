//! The console's state: plain data, changed only by `update`, read by `view`.

use crate::app::bulk::BulkVerb;
use crate::app::command::KeyMode;
use crate::app::input::TextInput;
use crate::app::keymap::Keymap;
use crate::domain::{Phase, Roster};
use crate::kore::wire::{EventContext, FailReason};
use std::collections::BTreeMap;

pub use crate::app::pane::Pane;

pub use crate::domain::{Channel, Verb};

mod conversations;
mod model;
mod rare;
mod requests;
mod sorts;
mod start;
mod status;
mod timeline;
mod views;
pub use crate::app::log::{LOG_CAPACITY, Log, LogKind, LogLine};
pub use conversations::{
    Before, ConversationMap, Conversations, GenCache, KeptList, ListCache, ListKey, Tracked,
    patch_limit,
};
pub use rare::Rare;
use rare::RareBox;
pub use sorts::{QueueSort, SortBy};
pub use status::Status;
pub use timeline::{Timeline, TimelineItem};
pub use {
    model::Model,
    requests::Requests,
    start::StartOptions,
    views::{AgentsView, ListView, QueuesView, Views},
};

impl Channel {
    /// From list-conversations: `conversationType` ("voice"/"messaging") or
    /// the `source` (voice gateways such as audiocodes).
    pub fn guess(conversation_type: Option<&str>, source: Option<&str>) -> Option<Channel> {
        let t = conversation_type.map(str::to_ascii_lowercase);
        match t.as_deref() {
            Some("voice" | "call" | "audio") => return Some(Channel::Voice),
            Some("messaging" | "chat" | "digital" | "email") => return Some(Channel::Chat),
            _ => {}
        }
        let s = source.map(str::to_ascii_lowercase)?;
        if ["audiocodes", "voice", "twilio", "sip", "genesys_voice"]
            .iter()
            .any(|v| s.contains(v))
        {
            Some(Channel::Voice)
        } else {
            Some(Channel::Chat)
        }
    }
}

/// What the conversations list shows in its state column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConvState {
    Waiting,
    Active,
    Ending,
    Ended,
    /// A status from the API that none of the above covers (IDLE, OVERDUE…).
    Api(String),
}

impl ConvState {
    pub fn label(&self) -> &str {
        match self {
            ConvState::Waiting => "WAITING",
            ConvState::Active => "ACTIVE",
            ConvState::Ending => "ENDING",
            ConvState::Ended => "ENDED",
            ConvState::Api(s) => s,
        }
    }
}

/// Where one request of the timeline stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Planned, waiting its turn behind earlier requests of the conversation.
    Queued,
    /// On the wire.
    Sending,
    /// Failed with a retryable error; will be tried again.
    Retrying { attempt: u32, error: String },
    /// Accepted by the server, on try `attempt`. `maybe_arrived` lists the
    /// earlier tries that timed out or broke after they were written: Kore
    /// may have applied those as well.
    Delivered {
        status: u16,
        latency_ms: u64,
        attempt: u32,
        maybe_arrived: Vec<u32>,
    },
    /// Refused (4xx) or out of retries; later requests of the conversation wait.
    Failed {
        status: Option<u16>,
        message: String,
        reason: FailReason,
    },
    /// Not sent because an earlier request of the conversation failed.
    Held,
    /// Dropped by the supervisor.
    Dropped,
    /// Sent before a crash, no answer recorded: resend or drop by hand.
    Unknown,
    /// Failed, and later requests of the conversation went out since (say,
    /// from `switchboard send`): resending it would break the order, so it
    /// stays failed and holds nothing.
    Superseded {
        status: Option<u16>,
        message: String,
        reason: FailReason,
    },
}

impl Delivery {
    pub fn is_open(&self) -> bool {
        matches!(
            self,
            Delivery::Queued | Delivery::Sending | Delivery::Retrying { .. } | Delivery::Held
        )
    }
}

/// What became of an assign request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignState {
    /// Waiting its turn behind earlier requests of the conversation.
    Queued,
    Sending,
    /// The API answered; the callback has not come yet.
    AwaitingCallback {
        status: u16,
        latency_ms: u64,
    },
    /// The API refused the request itself.
    Rejected {
        message: String,
        reason: FailReason,
    },
    Transferred,
    CallbackFailed {
        /// Kore's words.
        reason: String,
        /// What they mean.
        why: FailReason,
    },
    /// A callback came that said neither success nor failure (or could
    /// not be read); the supervisor decides.
    Unclear {
        reason: String,
    },
    TimedOut,
    /// Sent before a crash with no answer recorded: it may or may not have
    /// reached Kore. Assign again if it did not.
    Unknown,
    /// Kore took it, but the console restarted before the callback came; the
    /// callback path of that run no longer exists.
    CallbackLost,
}

/// One conversation as the console knows it: what the API lists plus what
/// the console itself sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// The id used in hooks calls.
    pub id: String,
    pub bot_session_id: Option<String>,
    pub channel: Channel,
    /// Short (`en`, `pt-BR`): held inline, with no allocation of its own.
    pub language: compact_str::CompactString,
    /// The API's status (OPEN, ACTIVE, CLOSED, …), when listed (inline).
    pub api_status: Option<compact_str::CompactString>,
    /// Names of the agents the API lists as participants.
    pub api_agents: Vec<String>,
    /// When the conversation started (unix ms), for its age.
    pub started_ms: Option<i64>,
    /// The roster built from delivered events.
    pub roster: Roster,
    pub timeline: Timeline,
    /// Opened by hand with `n`: kept even when the API does not list it.
    pub manual: bool,
    /// Listed by the poll: read by it, and not found gone since (a whole
    /// sweep of every status group missed it, or a page said it closed).
    pub listed: bool,
    /// The queue it is in now (the last of the API's `queues[]`), id and name.
    pub queue: Option<(String, String)>,
    /// Its wait for an agent (`waitTime`, ms) as of `listed_at_ms`.
    pub wait_ms: Option<i64>,
    /// When the poll that listed it last came back (unix ms): how fresh
    /// its picture is.
    pub listed_at_ms: i64,
    /// The number of the poll read that listed it last (0: none).
    pub seen_seq: u64,
    /// Kore's latest picture of its participants (from the list or from
    /// its details): merged with `roster` into the roster the rules judge.
    pub kore: Option<crate::domain::KorePicture>,
    /// What few conversations have (see [`Rare`]), read and written as
    /// its own fields: `c.healing`, `c.details`.
    rare: RareBox,
}

/// An action this console sent, and the requests that carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentPlan {
    pub op: crate::domain::Action,
    pub req_ids: Vec<String>,
}

impl Conversation {
    pub fn new(
        id: impl Into<String>,
        channel: Channel,
        language: impl Into<compact_str::CompactString>,
    ) -> Self {
        Conversation {
            id: id.into(),
            bot_session_id: None,
            channel,
            language: language.into(),
            api_status: None,
            api_agents: Vec::new(),
            started_ms: None,
            roster: Roster::new(),
            timeline: Timeline::default(),
            manual: false,
            listed: false,
            queue: None,
            wait_ms: None,
            listed_at_ms: 0,
            seen_seq: 0,
            kore: None,
            rare: RareBox::default(),
        }
    }

    /// The events planned but not yet delivered, in order, with their
    /// request ids.
    pub fn open_events_with_items(&self) -> impl Iterator<Item = (&crate::domain::Event, &str)> {
        self.timeline.iter().filter_map(|t| match t {
            TimelineItem::Event {
                req_id,
                event,
                delivery,
                ..
            } if delivery.is_open() => Some((event, req_id.as_str())),
            _ => None,
        })
    }

    /// The events planned but not yet delivered, in order.
    pub fn open_events(&self) -> impl Iterator<Item = (&str, &Delivery)> {
        self.timeline.iter().filter_map(|t| match t {
            TimelineItem::Event {
                req_id, delivery, ..
            } if delivery.is_open() => Some((req_id.as_str(), delivery)),
            _ => None,
        })
    }

    pub fn failed(&self) -> Option<(&str, &Delivery)> {
        self.timeline.iter().find_map(|t| match t {
            TimelineItem::Event {
                req_id, delivery, ..
            } if matches!(delivery, Delivery::Failed { .. } | Delivery::Unknown) => {
                Some((req_id.as_str(), delivery))
            }
            _ => None,
        })
    }

    /// Why it is stuck, when it is: the failed request's reason, else the
    /// latest assign's when that failed.
    pub fn fail_reason(&self) -> Option<&FailReason> {
        let failed = self.timeline.iter().find_map(|t| match t {
            TimelineItem::Event {
                delivery: Delivery::Failed { reason, .. },
                ..
            } => Some(reason),
            _ => None,
        });
        failed.or_else(|| {
            self.timeline.iter().rev().find_map(|t| match t {
                TimelineItem::Assign { state, .. } => match state {
                    AssignState::Rejected { reason, .. } => Some(Some(reason)),
                    AssignState::CallbackFailed { why, .. } => Some(Some(why)),
                    _ => Some(None),
                },
                _ => None,
            })?
        })
    }

    /// Where its state sorts (waiting first): `state()`'s rank, without
    /// copying an unknown API status. Runs for every row of every sort.
    pub fn state_rank(&self) -> u8 {
        let phase = self.roster.phase();
        if phase == Phase::Ended {
            return 4;
        }
        if matches!(phase, Phase::Vacated | Phase::Summarized) || self.ending_sent() {
            return 2;
        }
        if !self.roster.members().is_empty() {
            return 1;
        }
        let Some(s) = self.api_status.as_deref() else {
            return 0;
        };
        let is = |words: &[&str]| words.iter().any(|w| s.eq_ignore_ascii_case(w));
        if is(&["OPEN", "WAITING", "QUEUED"]) {
            0
        } else if is(&["ACTIVE"]) {
            1
        } else if is(&["CLOSED", "TERMINATED", "ENDED"]) {
            4
        } else {
            3
        }
    }

    /// Where it sorts by urgency: OVERDUE (0), then waiting (1, OPEN),
    /// each by when it joined its queue (`i64::MAX` when no wait is known);
    /// then the rest (8 and up, by `state_rank`). `is_waiting` without
    /// `state()`'s copy of an unknown status: runs for every row of the sort.
    pub fn urgency(&self) -> (u8, i64) {
        let rank = self.state_rank();
        let joined = || self.queue_joined_ms().unwrap_or(i64::MAX);
        if self.agent_count() > 0 {
            return (8 + rank, 0);
        }
        match rank {
            0 => (1, joined()),
            3 if self
                .api_status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("OVERDUE")) =>
            {
                (0, joined())
            }
            _ => (8 + rank, 0),
        }
    }

    /// When it joined its current queue, as this console's clock puts it
    /// (the listed wait taken from the time of the poll): the earlier, the
    /// longer it has waited. `None` without a wait.
    pub fn queue_joined_ms(&self) -> Option<i64> {
        self.wait_ms.map(|w| self.listed_at_ms - w)
    }

    /// An end of conversation is queued or on the wire.
    fn ending_sent(&self) -> bool {
        self.timeline.iter().any(|t| {
            matches!(t, TimelineItem::Event { event, delivery, .. }
                if delivery.is_open() && matches!(event, crate::domain::Event::EndOfConversation { .. }))
        })
    }

    /// Its latest assign failed or its fate is unknown (refused, the
    /// callback said no or came unclear, timed out, lost in a restart).
    pub fn assign_failed(&self) -> bool {
        self.timeline.iter().rev().find_map(|t| match t {
            TimelineItem::Assign { state, .. } => Some(matches!(
                state,
                AssignState::Rejected { .. }
                    | AssignState::CallbackFailed { .. }
                    | AssignState::Unclear { .. }
                    | AssignState::TimedOut
                    | AssignState::Unknown
                    | AssignState::CallbackLost
            )),
            _ => None,
        }) == Some(true)
    }

    pub fn state(&self) -> ConvState {
        if self.roster.phase() == Phase::Ended {
            return ConvState::Ended;
        }
        if matches!(self.roster.phase(), Phase::Vacated | Phase::Summarized) || self.ending_sent() {
            return ConvState::Ending;
        }
        if !self.roster.members().is_empty() {
            return ConvState::Active;
        }
        // Compared without a copy: this runs for every row of every sort.
        let Some(s) = self.api_status.as_deref() else {
            return ConvState::Waiting;
        };
        let is = |words: &[&str]| words.iter().any(|w| s.eq_ignore_ascii_case(w));
        if is(&["OPEN", "WAITING", "QUEUED"]) {
            ConvState::Waiting
        } else if is(&["ACTIVE"]) {
            ConvState::Active
        } else if is(&["CLOSED", "TERMINATED", "ENDED"]) {
            ConvState::Ended
        } else {
            ConvState::Api(s.to_ascii_uppercase())
        }
    }

    /// The agent shown in the list: the roster's primary, else the API's first.
    pub fn primary_name(&self) -> Option<&str> {
        if self.driven() {
            return self.roster.primary().map(|m| m.agent.label());
        }
        self.api_agents.first().map(String::as_str)
    }

    /// Whether the console has sent events for it: then its own roster is
    /// the truth, not the API's participant list.
    pub fn driven(&self) -> bool {
        self.roster.phase() != crate::domain::Phase::Waiting
    }

    /// How many agents are in the conversation.
    pub fn agent_count(&self) -> usize {
        if self.driven() {
            self.roster.members().len()
        } else {
            self.api_agents.len()
        }
    }

    /// Whether it waits for an agent: nobody in it, and listed as waiting
    /// (OPEN) or as waiting too long (OVERDUE).
    pub fn is_waiting(&self) -> bool {
        if self.agent_count() > 0 {
            return false;
        }
        match self.state() {
            ConvState::Waiting => true,
            ConvState::Api(s) => s == "OVERDUE",
            _ => false,
        }
    }

    /// Its wait so far at `now_ms`: the listed `waitTime` plus the time since
    /// the poll, while it still waits.
    pub fn wait_now_ms(&self, now_ms: i64) -> Option<i64> {
        let wait = self.wait_ms?;
        if self.is_waiting() {
            Some(wait + (now_ms - self.listed_at_ms).max(0))
        } else {
            Some(wait)
        }
    }

    pub fn context(&self, defaults: &EventContext) -> EventContext {
        EventContext {
            experience: self.channel.as_str().to_string(),
            language: self.language.to_string(),
            ..defaults.clone()
        }
    }
}

/// Load on one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Load {
    pub used: u32,
    pub total: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Presence {
    Available,
    Busy,
    Away,
    Offline,
    Unknown,
}

impl Presence {
    pub fn parse(s: &str) -> Presence {
        match s.trim().to_ascii_uppercase().as_str() {
            "AVAILABLE" | "ONLINE" => Presence::Available,
            "BUSY" => Presence::Busy,
            "AWAY" => Presence::Away,
            "OFFLINE" => Presence::Offline,
            _ => Presence::Unknown,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Presence::Available => "AVAILABLE",
            Presence::Busy => "BUSY",
            Presence::Away => "AWAY",
            Presence::Offline => "OFFLINE",
            Presence::Unknown => "?",
        }
    }
}

/// Since when an agent has had the status the console sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusSince {
    pub presence: Presence,
    /// When the console first saw this status (unix ms).
    pub since_ms: i64,
    /// A poll saw the change to it: `since_ms` is when it began (to a
    /// poll). Otherwise the status was already on at the first sighting,
    /// so the time is a lower bound (shown `≥`).
    pub changed: bool,
}

/// One agent of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: String,
    pub identity: String,
    pub name: String,
    pub email: Option<String>,
    pub queue_id: Option<String>,
    pub queue_name: Option<String>,
    pub presence: Presence,
    pub chat: Option<Load>,
    pub voice: Option<Load>,
}

impl Agent {
    pub fn to_ref(&self) -> crate::domain::AgentRef {
        let mut r =
            crate::domain::AgentRef::new(&self.id, &self.name).with_identity(&self.identity);
        r.email = self.email.clone();
        r.queue_id = self.queue_id.clone();
        r.queue_name = self.queue_name.clone();
        r
    }

    /// Room left on a channel (unknown capacity counts as room).
    /// Free slots on `channel` (None when the load is not known).
    pub fn room(&self, channel: Channel) -> Option<u32> {
        let load = match channel {
            Channel::Chat => self.chat,
            Channel::Voice => self.voice,
        };
        load.map(|l| l.total.saturating_sub(l.used))
    }

    pub fn has_room(&self, channel: Channel) -> bool {
        let load = match channel {
            Channel::Chat => self.chat,
            Channel::Voice => self.voice,
        };
        load.is_none_or(|l| l.used < l.total)
    }
}

/// One queue: what list-queues says of it and queue-size's latest figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub id: String,
    pub name: String,
    /// Its members' names, as list-queues gives them.
    pub members: Vec<String>,
    /// queue-size's latest answer for it.
    pub size: Option<crate::kore::wire::QueueSize>,
    /// When that answer came (unix ms).
    pub size_at_ms: Option<i64>,
    /// The latest queue-size request for it failed: why.
    pub size_error: Option<String>,
}

/// The most conversations the console holds: a list that never ends adds
/// no more once this many are held (said in the status bar).
pub const MAX_CONVERSATIONS: usize = 100_000;

/// The most queues kept from list-queues; the rest are counted
/// (`Model::queues_not_shown`) and said on screen.
pub const MAX_QUEUES: usize = 5_000;

/// Whether a conversation this console saw in a queue was answered within
/// `sla_secs`: decided once, when it was answered or when it waited longer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaMark {
    pub queue_id: String,
    pub within: bool,
}

/// The most conversations remembered for the service level.
pub const SLA_MEMORY: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// What the agent is picked for.
    pub purpose: Verb,
    pub conversation: String,
    pub query: TextInput,
    /// Index into `State::picker_choices()`.
    pub selected: usize,
    /// The agents as they stood when the picker opened, in the order it
    /// showed them then. The order stays while it is open (a poll does not
    /// move a row under the cursor); an agent whose presence or load has
    /// changed since is marked instead. Empty: the live order.
    pub frozen: Vec<Agent>,
}

/// Something that will be sent once the supervisor confirms.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    /// Hooks events for one conversation, already planned and checked.
    Events {
        conversation: String,
        action: String,
        events: Vec<crate::domain::Event>,
        /// The supervisor's action they carry out (offered again if Kore
        /// refuses it on a stale roster).
        op: Option<crate::domain::Action>,
    },
    Assign {
        conversation: String,
        session: String,
        /// An agent or a queue.
        target: crate::kore::wire::AssignTarget,
        /// The agent's or the queue's name.
        target_name: String,
    },
    /// Resend the failed (or unknown) request of a conversation.
    Retry {
        conversation: String,
    },
    /// Drop the failed (or unknown) request and release what it held.
    Drop {
        conversation: String,
    },
    Quit,
    /// A send the console advises against (the agent is seen offline):
    /// asked even when `confirm` is off, and only `y` sends it.
    Anyway(Box<Pending>),
    /// Team mode: a teammate holds it; `y` claims it by force and sends.
    Forced(Box<Pending>),
    /// A bulk action on the marked conversations (`a`, `E`, `x` with
    /// marks): one confirmation for all of them.
    Bulk(Box<BulkPlan>),
}

impl Pending {
    /// Whether Enter answers yes. Sends ask `Y/n` (Enter sends); ending a
    /// conversation, a cold transfer, dropping, resending and quitting ask
    /// `y/N` (only `y` goes ahead).
    pub fn enter_confirms(&self) -> bool {
        match self {
            Pending::Events { op, .. } => !matches!(
                op,
                Some(crate::domain::Action::End | crate::domain::Action::Cold { .. })
            ),
            Pending::Assign { .. } => true,
            _ => false,
        }
    }
}

/// A bulk action planned on the marked conversations, asked once.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkPlan {
    pub verb: BulkVerb,
    /// The agent's name, `queue NAME`, or empty (an end).
    pub target: String,
    /// One single action for each conversation it applies to (a
    /// `Pending::Events` or a `Pending::Assign`), in the list's order.
    pub items: Vec<Pending>,
    /// The marked conversations it does not apply to, and why.
    pub skipped: Vec<(String, String)>,
}

impl BulkPlan {
    /// "Assign 6 conversations to queue Support", "End 6 conversations",
    /// "Remove Mia Chen from 6 conversations".
    pub fn head(&self) -> String {
        let n = crate::app::bulk::conversations(self.items.len());
        match self.verb {
            BulkVerb::Assign => format!("Assign {n} to {}", self.target),
            BulkVerb::End => format!("End {n}"),
            BulkVerb::Remove => format!("Remove {} from {n}", self.target),
        }
    }

    /// The one confirmation: the count, the target, what is skipped.
    pub fn question(&self) -> String {
        match crate::app::bulk::skipped_text(&self.skipped) {
            Some(skips) => format!("{} ({skips})? y/N", self.head()),
            None => format!("{}? y/N", self.head()),
        }
    }
}

/// The rows inside each pane's border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaneRows {
    pub conversations: u16,
    pub roster: u16,
    pub agents: u16,
    pub log: u16,
}

impl Default for PaneRows {
    /// About an 80x24 screen's, until the first layout comes.
    fn default() -> Self {
        PaneRows {
            conversations: 8,
            roster: 13,
            agents: 3,
            log: 4,
        }
    }
}

/// The fields of the "open a conversation" form (`n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConversationForm {
    /// conversation id, bot session id, channel, language
    pub fields: [TextInput; 4],
    pub focus: usize,
    pub error: Option<String>,
}

impl NewConversationForm {
    pub const LABELS: [&'static str; 4] = [
        "conversation id",
        "bot session id",
        "channel (chat/voice)",
        "language",
    ];

    /// A form with the channel and language given (the defaults, when the
    /// console opens it).
    pub fn new(channel: &str, language: &str) -> NewConversationForm {
        let field = |text: &str| TextInput::with_text(text, MAX_FORM_FIELD);
        NewConversationForm {
            fields: [field(""), field(""), field(channel), field(language)],
            focus: 0,
            error: None,
        }
    }
}

impl Default for NewConversationForm {
    fn default() -> Self {
        NewConversationForm::new("", "")
    }
}

pub use crate::app::input::{MAX_FORM_FIELD, MAX_INPUT};

/// The input mode: which keys mean what right now.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// Typing a filter for a pane.
    Filter {
        pane: Pane,
        input: TextInput,
    },
    Picker(Picker),
    /// "Cold transfer c-1042: Mia Chen → Raj Patel? Y/n"
    Confirm {
        prompt: String,
        pending: Pending,
        /// Enter answers yes (`Y/n`); else only `y` does (`y/N`).
        enter_sends: bool,
    },
    /// The `:` command line.
    Command {
        input: TextInput,
    },
    Help,
    NewConversation(NewConversationForm),
    /// The wallboard: big per-queue tiles over the whole screen, read only.
    Wallboard,
}

impl Mode {
    /// The key mode of what is open now.
    pub fn key_mode(&self) -> KeyMode {
        match self {
            Mode::Normal => KeyMode::Normal,
            Mode::Help => KeyMode::Help,
            Mode::Confirm { .. } => KeyMode::Confirm,
            Mode::Filter { .. } => KeyMode::Filter,
            Mode::Picker(_) => KeyMode::Picker,
            Mode::Command { .. } => KeyMode::CommandLine,
            Mode::NewConversation(_) => KeyMode::Form,
            Mode::Wallboard => KeyMode::Wallboard,
        }
    }
}

/// Connection health, from the most recent requests.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Health {
    #[default]
    Connecting,
    Online,
    /// The most recent request failed to reach the server.
    Degraded(String),
}

/// How many poll intervals may pass without an answer before the figures
/// count as stale.
pub const STALE_POLLS: i64 = 3;

/// When the queue figures last came: the time of the latest successful
/// answer of list-conversations, list-queues or queue-size, and whether the
/// latest of those answers was a failure. The wallboard's header shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// The latest successful answer (unix ms).
    pub last_ok_ms: Option<i64>,
    /// The latest answer was a failure.
    pub latest_failed: bool,
    /// That failure was Kore answering figures it could not read (not
    /// Kore staying silent).
    pub latest_unreadable: bool,
    /// When the console started watching (unix ms): before any answer, the
    /// figures are stale once this is too long ago.
    pub since_ms: i64,
    /// How often the figures are polled (ms).
    pub poll_ms: i64,
}

impl Default for Freshness {
    fn default() -> Self {
        Freshness {
            last_ok_ms: None,
            latest_failed: false,
            latest_unreadable: false,
            since_ms: 0,
            poll_ms: 5_000,
        }
    }
}

impl Freshness {
    /// The figures are stale at `now_ms`: the latest poll failed, or no
    /// answer came for more than [`STALE_POLLS`] poll intervals.
    pub fn stale(&self, now_ms: i64) -> bool {
        let limit = self.poll_ms.max(1_000).saturating_mul(STALE_POLLS);
        self.latest_failed || now_ms - self.last_ok_ms.unwrap_or(self.since_ms) > limit
    }

    /// A poll answered at `now_ms`, or failed.
    pub fn answered(&mut self, now_ms: i64, ok: bool) {
        self.latest_failed = !ok;
        self.latest_unreadable = false;
        if ok {
            self.last_ok_ms = Some(now_ms);
        }
    }
}

/// What the conversations poll has covered: its plan, Kore's counts, the
/// sweeps done and the age of the picture.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PollStatus {
    pub plan: Option<crate::app::PollPlan>,
    /// Kore's `totalResults` per group (waiting, then the rest), latest.
    pub totals: [Option<u64>; 2],
    /// Per group, the first read of its latest complete sweep.
    pub swept: [Option<u64>; 2],
    /// Conversations the poll lists now (seen, and not found gone since),
    /// counted at the end of each sweep and round.
    pub seen: usize,
    /// When the least recently read of them was read (unix ms).
    pub oldest_ms: Option<i64>,
    /// The latest round stopped short: why.
    pub error: Option<String>,
    /// Per group, its latest sweep ended before Kore said the list was over.
    pub cut: [bool; 2],
    /// Per group, new conversations the sweep under way did not add
    /// because [`MAX_CONVERSATIONS`] were held.
    pub refused: [usize; 2],
    /// Per group, the same for its latest complete sweep.
    pub refused_last: [usize; 2],
    /// Conversations a sweep found gone, by id: the read that ended that
    /// sweep and its group. One goes only when every other group has been
    /// read through after it too: it may have moved there (an agent took
    /// it) after that group's latest sweep.
    pub missing: std::collections::HashMap<String, (u64, usize)>,
}

impl PollStatus {
    /// Kore's count of live conversations, when it gave both groups'.
    pub fn total(&self) -> Option<u64> {
        Some(self.totals[0]? + self.totals[1]?)
    }

    /// Whether the latest sweeps left part of the list unread or unkept.
    pub fn cut_short(&self) -> bool {
        self.cut.iter().any(|c| *c)
    }

    /// New conversations the latest sweeps could not keep (the cap).
    pub fn refused(&self) -> usize {
        (0..2)
            .map(|g| self.refused[g].max(self.refused_last[g]))
            .sum()
    }

    /// Whether every group has been read through once.
    pub fn swept_all(&self) -> bool {
        self.swept.iter().all(Option::is_some)
    }
}

/// Fixed facts of this run.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub bot_id: String,
    /// DEMO, or the host's name.
    pub environment: String,
    pub confirm: bool,
    pub read_only: bool,
    pub defaults: EventContext,
    pub plan: crate::domain::PlanSettings,
    pub callback_timeout_ms: i64,
    /// Wait and service-level thresholds (`[alerts]`).
    pub alerts: crate::app::alerts::Alerts,
}
#[cfg(test)]
impl Settings {
    /// The settings unit tests start from: bot st-1 in TEST, confirmations
    /// on, a callback timeout of one second, every default.
    pub fn for_tests() -> Settings {
        Settings {
            bot_id: "st-1".into(),
            environment: "TEST".into(),
            confirm: true,
            read_only: false,
            defaults: Default::default(),
            plan: Default::default(),
            callback_timeout_ms: 1000,
            alerts: Default::default(),
        }
    }
}

/// The whole state of the console.
#[derive(Debug, Clone)]
pub struct State {
    pub settings: Settings,
    pub keymap: Keymap,
    /// The contact centre as known: conversations, agents, queues.
    pub model: Model,
    /// How each pane and overlay stands, and the lists kept for the view.
    pub views: Views,
    pub log: Log,
    /// Wall clock of the latest tick or action (unix ms): the runtime sends
    /// it with `Action::Clock` before each action, and `update` sets it.
    pub now_ms: i64,
    pub quit: bool,
    /// What this console has out: callbacks due, details asked, request ids.
    pub requests: Requests,
}
