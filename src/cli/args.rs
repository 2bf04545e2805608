//! `send` and `assign` as clap parses them: the one set of their argument
//! types, read by `main` and turned here into what the command does (one
//! order, or a batch).

use super::{AssignOrder, BatchOptions, DEFAULT_CONCURRENCY, Fail, OnError, SendOrder, Source};
use crate::domain::Verb;
use crate::kore::wire::AssignTarget;
use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

/// The verbs `send` takes, from the one list of verbs (`domain::Verb`).
fn hooks_verb() -> impl clap::builder::TypedValueParser<Value = Verb> {
    let values = Verb::hooks().map(|v| PossibleValue::new(v.name()).help(v.help()));
    PossibleValuesParser::new(values)
        .map(|name| Verb::from_name(&name).expect("the possible values are verb names"))
}

/// An id given on the command line: not empty, not absurdly long, no
/// spaces or control characters.
fn parse_id(s: &str) -> Result<String, String> {
    match crate::config::id_problem(s) {
        Some(problem) => Err(format!("the id {problem}")),
        None => Ok(s.trim().to_string()),
    }
}

/// An agent's id, or a name (which may hold single spaces).
fn parse_agent(s: &str) -> Result<String, String> {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() > 1 && words.iter().all(|w| parse_id(w).is_ok()) {
        return Ok(words.join(" "));
    }
    parse_id(s)
}

fn parse_language(s: &str) -> Result<String, String> {
    match crate::config::language_problem(s) {
        Some(problem) => Err(format!("the language {problem}")),
        None => Ok(s.trim().to_string()),
    }
}

/// `--batch` and its companions, shared by `send` and `assign`.
#[derive(Args, Debug)]
pub struct BatchArgs {
    /// Read one action per JSON line from FILE (`-`: standard input) and
    /// send them: in order per conversation, conversations at once.
    #[arg(long, value_name = "FILE")]
    batch: Option<String>,
    /// Conversations sent at once in a batch.
    #[arg(long, requires = "batch", default_value_t = DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// What a bad line does: stop (the lines before it go, none after) or
    /// skip (reported and left out).
    #[arg(long, requires = "batch", value_enum, default_value_t = OnErrorArg::Stop)]
    on_error: OnErrorArg,
    /// Names this batch in its request ids: lines already delivered under
    /// the same id are not sent again. Give a new one to repeat a batch on
    /// purpose.
    #[arg(long, requires = "batch", value_parser = parse_id)]
    batch_id: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum OnErrorArg {
    Stop,
    Skip,
}

impl BatchArgs {
    /// `force`: with assign --batch, also send a session's later assigns
    /// (without it, each session's first assign goes and later ones are
    /// refused: two assigns could hand one conversation over twice).
    fn options(&self, force: bool) -> Option<BatchOptions> {
        Some(BatchOptions {
            source: Source::parse(self.batch.as_deref()?),
            concurrency: self.concurrency,
            on_error: match self.on_error {
                OnErrorArg::Stop => OnError::Stop,
                OnErrorArg::Skip => OnError::Skip,
            },
            batch_id: self.batch_id.clone(),
            force,
        })
    }
}

/// What the flags of `send` or `assign` ask for.
#[derive(Debug)]
pub enum Asked<T> {
    /// One action (`send`) or one assign.
    One(T),
    /// `--batch FILE`.
    Batch(BatchOptions),
}

#[derive(Args, Debug)]
pub struct SendArgs {
    #[arg(value_parser = hooks_verb(), required_unless_present = "batch", conflicts_with = "batch")]
    what: Option<Verb>,
    /// The conversation id used in hooks calls.
    #[arg(long, value_parser = parse_id, required_unless_present = "batch", conflicts_with = "batch")]
    conversation: Option<String>,
    /// The agent (Kore aId, or name) who enters, joins or leaves.
    #[arg(long, value_parser = parse_agent)]
    agent: Option<String>,
    /// For cold: the agent who leaves (default: the primary).
    #[arg(long, value_parser = parse_id)]
    from: Option<String>,
    /// chat or voice (default: what the conversation used, else [events].experience).
    #[arg(long)]
    experience: Option<String>,
    /// Language code (default: what the conversation used, else [events].language).
    #[arg(long, value_parser = parse_language)]
    language: Option<String>,
    /// Send even to an agent in neither Kore's agents list nor [[agents]].
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    batch: BatchArgs,
}

impl SendArgs {
    /// One action, or a batch; flags that do not go together are a usage
    /// error (exit 2).
    pub fn asked(self) -> Result<Asked<SendOrder>, Fail> {
        if let Some(opts) = self.batch.options(self.force) {
            for (flag, given) in [
                ("--agent", self.agent.is_some()),
                ("--from", self.from.is_some()),
                ("--experience", self.experience.is_some()),
                ("--language", self.language.is_some()),
                ("--force", opts.force),
            ] {
                if given {
                    return Err(Fail::usage(format!(
                        "{flag} does not go with --batch: each line names its own"
                    )));
                }
            }
            return Ok(Asked::Batch(opts));
        }
        let (Some(kind), Some(conversation)) = (self.what, self.conversation) else {
            return Err(Fail::usage(
                "send needs a verb and --conversation, or --batch FILE",
            ));
        };
        Ok(Asked::One(SendOrder {
            kind,
            conversation,
            agent: self.agent,
            from: self.from,
            experience: self.experience,
            language: self.language,
            force: self.force,
        }))
    }
}

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["agent", "queue", "batch"]))]
pub struct AssignArgs {
    /// The bot session id of the waiting conversation.
    #[arg(long, value_parser = parse_id, required_unless_present = "batch", conflicts_with = "batch")]
    session: Option<String>,
    /// Assign to this agent (aId, or name).
    #[arg(long, value_parser = parse_agent)]
    agent: Option<String>,
    /// Assign to this queue.
    #[arg(long, value_parser = parse_id)]
    queue: Option<String>,
    /// Seconds to wait for the callback, 1 to 86400 (default:
    /// [callback].callback_timeout_secs).
    #[arg(long, conflicts_with = "batch", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: Option<u64>,
    /// Assign even to an agent in neither Kore's agents list nor [[agents]];
    /// with --batch, also send a session's later assigns.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    batch: BatchArgs,
}

impl AssignArgs {
    /// One assign, or a batch; flags that do not go together are a usage
    /// error (exit 2).
    pub fn asked(self) -> Result<Asked<AssignOrder>, Fail> {
        if let Some(opts) = self.batch.options(self.force) {
            if self.agent.is_some() || self.queue.is_some() {
                return Err(Fail::usage(
                    "--agent and --queue do not go with --batch: each line names its own",
                ));
            }
            return Ok(Asked::Batch(opts));
        }
        let Some(session) = self.session else {
            return Err(Fail::usage("assign needs --session, or --batch FILE"));
        };
        let target = match (self.agent, self.queue) {
            (Some(agent), None) => AssignTarget::Agent(agent),
            (None, Some(queue)) => AssignTarget::Queue(queue),
            _ => return Err(Fail::usage("give exactly one of --agent and --queue")),
        };
        Ok(Asked::One(AssignOrder {
            session,
            target,
            timeout_secs: self.timeout,
            force: self.force,
        }))
    }
}
