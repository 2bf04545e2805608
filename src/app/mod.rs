//! The console's core: `State`, the `Action`s that change it, the `Effect`s
//! that `update` asks for. Pure: no I/O, no clock reads, no terminal.

pub mod agent_status;
pub mod alerts;
pub mod bulk;
pub mod command;
pub mod completion;
pub mod details;
pub mod health;
pub mod input;
pub mod key;
pub mod keymap;
pub mod list;
pub mod log;
pub mod marks;
pub mod pane;
pub mod picture;
pub mod queries;
pub mod restore;
pub mod state;
pub mod summary;
pub mod team;
pub mod text;
pub mod update;
pub mod views;
pub mod wallboard;

use crate::domain::Event;
use crate::kore::wire::{
    AgentRecord, AssignTarget, AvailabilityResponse, CallError, ConversationDetails,
    ConversationRecord, EventContext, QueueRecord, QueueSize, ReceivedCallback,
};
use ratatui::crossterm::event::KeyEvent;

pub use details::{DetailsWhy, KoreDetails};
pub use state::State;
pub use update::update;

/// Everything that can happen to the console.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key press (release and repeat events are dropped before this).
    Key(KeyEvent),
    /// Pasted text: goes into whatever input is open.
    Paste(String),
    /// The terminal changed size.
    Resize(u16, u16),
    /// The view laid the panes out anew (after a resize): their rows.
    Layout(state::PaneRows),
    /// The clock moved (about once a second while something shows time).
    Tick(i64),
    /// The runtime's clock (unix ms), sent before each action it applies:
    /// sets `State::now_ms` and nothing else (no alerts pass, as a tick has).
    Clock(i64),
    /// One page of list-conversations read by the poll plan.
    ConversationsPage(Box<ConversationPage>),
    /// A round of the conversations poll is over: the plan it worked to,
    /// and why it stopped short when it did (a failed read).
    PollRound {
        plan: PollPlan,
        error: Option<String>,
    },
    /// A poll of list-agents (and availability) came back.
    AgentsListed {
        agents: Result<Vec<AgentRecord>, String>,
        availability: Option<AvailabilityResponse>,
    },
    /// A poll of list-queues came back.
    QueuesListed {
        result: Result<Vec<QueueRecord>, String>,
    },
    /// A queue-size request for one queue came back (`None`: the answer
    /// held no figures for it).
    QueueSized {
        queue_id: String,
        result: Result<Option<QueueSize>, String>,
    },
    /// A request went out (for the log).
    RequestSent {
        req_id: String,
        conversation: String,
        line: String,
    },
    /// A hooks request was tried and will be tried again.
    HookRetrying {
        req_id: String,
        conversation: String,
        attempt: u32,
        error: String,
    },
    /// A hooks request is done: delivered or finally failed.
    HookDone {
        req_id: String,
        conversation: String,
        outcome: Result<ReplyInfo, CallError>,
        attempts: u32,
        /// Earlier tries that timed out or broke after they were written:
        /// Kore may have applied them too.
        maybe_arrived: Vec<u32>,
    },
    /// Requests not sent because an earlier one of the conversation failed.
    HookHeld {
        conversation: String,
        req_ids: Vec<String>,
    },
    /// The assign-conversation request itself came back.
    AssignDone {
        req_id: String,
        conversation: String,
        outcome: Result<ReplyInfo, CallError>,
        /// It failed in a way that Kore may have taken it anyway (a timeout,
        /// a broken connection): its fate is unknown, not failed.
        uncertain: bool,
        /// Tries that left (a try the journal could not record never did).
        attempts: u32,
    },
    /// Kore posted to the callback listener.
    Callback(ReceivedCallback),
    /// An assign request's callback did not come in time.
    CallbackTimedOut { req_id: String },
    /// The rate limiter's use, for the status bar.
    RateUsage {
        used: u32,
        limit: u32,
        /// Kore asked to wait (a 429): nothing is sent for this long.
        blocked_ms: Option<u64>,
    },
    /// What the callback listener refused (429s, connections over its cap):
    /// the total since start and when the latest was (unix ms).
    ListenerRefused { total: u64, last_ms: i64 },
    /// A poll's log line (one per request and its answer); a poll that
    /// changed nothing updates its earlier line in place.
    Log { kind: state::LogKind, text: String },
    /// A conversation's details came back from Kore (or failed), for
    /// `Effect::FetchDetails`.
    DetailsLoaded {
        conv_id: String,
        result: Result<Box<ConversationDetails>, CallError>,
        why: DetailsWhy,
    },
    /// Something worth a log line from the runtime (e.g. an export result).
    Note { error: bool, text: String },
    /// The log file lost lines (`dropped` so far) or could not be opened
    /// at all, and why: shown in the status bar and the log pane.
    LogTrouble { dropped: u64, why: String },
    /// Team mode: where the team stands, for the status bar.
    Team(TeamBar),
    /// SIGTERM, SIGHUP, SIGINT or SIGQUIT: quit without asking.
    Terminate,
    /// SIGTSTP from outside (Ctrl-Z in the console is a key): suspend.
    Suspend,
    /// Team mode (issue 21.4, 21.5): claims, teammates' lines, `:who`.
    TeamReport(TeamReport),
    /// A bulk action's requests are queued (`Effect::SendBulk`): the time
    /// the limiter leaves between two of them, for the progress line's
    /// estimate.
    BulkPace { pace_ms: u64 },
}

/// What the runtime reports of claims, the activity log and `:who`
/// (`Action::TeamReport`).
#[derive(Debug, Clone, PartialEq)]
pub enum TeamReport {
    /// What Redis said to `Effect::Claim` for `pending`.
    ClaimAnswered {
        conversation: String,
        pending: Box<state::Pending>,
        reply: team::ClaimReply,
    },
    /// What Redis said to `Effect::ClaimBulk`: each conversation's reply.
    BulkClaimAnswered {
        plan: Box<state::BulkPlan>,
        replies: Vec<(String, team::ClaimReply)>,
    },
    /// A teammate's line from the activity stream.
    Activity {
        who: String,
        kind: String,
        conversation: String,
        text: String,
    },
    /// The consoles online, for `:who` (or why not).
    Members(Result<Vec<team::Teammate>, String>),
    /// This console joined its team: claims and the shared log are on.
    Joined,
}

/// Team mode's piece of the status bar ("team 5 · polling: Mia"), as the
/// runtime's team layer words it, with its short form for a narrow bar
/// ("team 5·Mia"; empty: the text's first part); `trouble` when Redis is
/// out of reach.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TeamBar {
    pub text: String,
    pub trouble: bool,
    pub short: String,
}

/// The two groups of live statuses the poll plan reads apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PollGroup {
    /// OPEN and OVERDUE: customers waiting for an agent, read first and
    /// whole every round (up to the round's share).
    Waiting,
    /// ACTIVE and IDLE: the next page(s) each round, in rotation.
    Rest,
}

impl PollGroup {
    pub const ALL: [PollGroup; 2] = [PollGroup::Waiting, PollGroup::Rest];

    pub fn index(self) -> usize {
        match self {
            PollGroup::Waiting => 0,
            PollGroup::Rest => 1,
        }
    }

    /// The `status` filter of its reads.
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            PollGroup::Waiting => &["OPEN", "OVERDUE"],
            PollGroup::Rest => &["ACTIVE", "IDLE"],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PollGroup::Waiting => "waiting",
            PollGroup::Rest => "active/idle",
        }
    }
}

/// One page of list-conversations as the poll plan read it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationPage {
    pub group: PollGroup,
    /// The read's number: each read of the plan has the next one, so a
    /// conversation's latest sighting compares with a sweep's start.
    pub seq: u64,
    /// Where the page starts in its group's list.
    pub skip: u32,
    /// The live conversations on it (closed ones left out).
    pub records: Vec<ConversationRecord>,
    /// Ids it listed as CLOSED or TERMINATED (a server that ignored the
    /// status filter), with that status: those are over, and leave the list.
    pub closed: Vec<(String, String)>,
    /// Kore's `totalResults` for the group, when it gave one.
    pub total: Option<u64>,
    /// The page was the last of a sweep through its group: the number of
    /// the sweep's first read. Whatever of the group was seen before that
    /// read and not since is no longer live.
    pub sweep_from: Option<u64>,
    /// The sweep ended before Kore said the list was over (the same page
    /// again at a later skip, or the page cap): part of the group was not
    /// read.
    pub cut: bool,
}

/// The conversations poll's plan, as the runner works it out from the
/// limiter's limit, window and the share kept for actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PollPlan {
    /// How often a round starts (ms).
    pub round_ms: u64,
    /// Reads of list-conversations each round may make.
    pub pages_per_round: u32,
    /// Pages a sweep of each group takes (waiting, then the rest), as Kore
    /// last counted them.
    pub pages: [u32; 2],
    /// Waiting pages a round reads at most: below `pages[0]`, the waiting
    /// ones too take more than a round.
    pub waiting_cap: u32,
    /// Rounds, and milliseconds, within which every live conversation is
    /// read once.
    pub rounds: u32,
    pub full_ms: u64,
}

impl PollPlan {
    /// Whether the waiting ones do not all fit in one round.
    pub fn waiting_bounded(&self) -> bool {
        self.pages[0] > self.waiting_cap
    }
}

/// The parts of a successful reply the state keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyInfo {
    pub status: u16,
    pub latency_ms: u64,
    pub body: String,
    /// The answer as read (`null` when there was none), for scripts.
    pub response: serde_json::Value,
}

/// What `update` asks the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send one hooks event, after every earlier request of the same
    /// conversation (the runner keeps one ordered queue per conversation).
    SendEvent {
        req_id: String,
        conversation: String,
        event: Event,
        ctx: EventContext,
        action: String,
    },
    /// A request restored from the journal (a `SendEvent` or an `Assign`,
    /// already journaled): back into its conversation's queue, or, when
    /// `blocked`, holding the queue until `r` or `:drop`.
    Requeue {
        send: Box<Effect>,
        blocked: bool,
    },
    /// A bulk action on marked conversations: each `SendEvent` / `Assign`
    /// of `sends` as if run alone (its conversation's queue, in order), but
    /// their planning records all journaled in one group write before the
    /// first leaves, and each sent at the limiter's bulk priority (paced,
    /// after any single action waiting, the reserve left to those).
    SendBulk {
        sends: Vec<Effect>,
    },
    /// Resend the failed request of a conversation, then release its held ones.
    Resend {
        conversation: String,
    },
    /// Drop the failed request of a conversation, then release its held ones.
    DropFailed {
        conversation: String,
    },
    /// Drop these requests of a conversation, failed or still queued (an
    /// action planned on a stale roster), each journaled as dropped; what
    /// else it queued goes on.
    DropRequests {
        conversation: String,
        req_ids: Vec<String>,
    },
    /// assign-conversation with a callback on the console's listener, to an
    /// agent or a queue.
    Assign {
        req_id: String,
        conversation: String,
        session: String,
        target: AssignTarget,
        /// The agent's or the queue's name.
        target_name: String,
        summary: String,
    },
    /// Journal a callback's outcome (so a restart shows it).
    RecordCallback {
        req_id: String,
        ok: bool,
        summary: String,
    },
    /// Report `CallbackTimedOut` after `after_ms` unless the callback came.
    ArmCallbackTimeout {
        req_id: String,
        after_ms: i64,
    },
    /// Read Kore's details of one conversation (at the supervisor's
    /// priority): by its bot session id when known (Get Conversation
    /// Details), else by its id (Get a Specific Conversation). Made by
    /// `update::request_details`, which keeps one in flight per conversation.
    FetchDetails {
        conv_id: String,
        session: Option<String>,
        why: DetailsWhy,
    },
    /// Poll now (outside the regular schedule).
    PollConversations,
    PollAgents,
    PollQueues,
    /// Write these lines (JSON) to a file.
    Export {
        path: String,
        lines: Vec<String>,
    },
    /// Write the views file (`:view save NAME`): `text` to `path`,
    /// atomically, mode 0600; the answer comes back as a `Note`.
    SaveViews {
        path: String,
        text: String,
        name: String,
    },
    /// Ring the terminal bell (BEL): a wait or a queue went past a threshold
    /// it had not reached before (`[alerts] bell = true`).
    Bell,
    /// Give the terminal back and stop the process (Ctrl-Z); on `fg` the
    /// console sets the terminal up again and redraws.
    Suspend,
    Quit,
    /// Team mode: claim `conversation` in Redis (`force`: whatever holds
    /// it), then report `TeamReport::ClaimAnswered` with `pending`.
    Claim {
        conversation: String,
        what: String,
        force: bool,
        pending: Box<state::Pending>,
    },
    /// Team mode: claim each of a confirmed bulk's `conversations` in Redis
    /// (one pipeline, never forced), then report
    /// `TeamReport::BulkClaimAnswered` with `plan`.
    ClaimBulk {
        conversations: Vec<String>,
        what: String,
        plan: Box<state::BulkPlan>,
    },
    /// Team mode: release this console's claim on `conversation`.
    ReleaseClaim {
        conversation: String,
    },
    /// Team mode: publish a line to the team's activity stream (`kind`:
    /// `action` or `outcome`; nothing secret, no contact data).
    TeamPublish {
        kind: String,
        conversation: String,
        text: String,
    },
    /// Team mode: read who is online (`:who`).
    TeamWho,
}
