//! Every command's arguments as clap parses them: the one set of argument
//! types. `main` parses them and hands each command its own; what the
//! flags ask for is worked out here (the console's flags, the demo's
//! options, the simulator's config, one `send` / `assign` or a batch).

use super::{AssignOrder, BatchOptions, DEFAULT_CONCURRENCY, Fail, OnError, SendOrder, Source};
use crate::demo::DemoOptions;
use crate::domain::Verb;
use crate::kore::jwt::Secret;
use crate::kore::wire::AssignTarget;
use crate::sim::{self, SimConfig};
use crate::wiring::UiFlags;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "switchboard",
    version,
    about = "A terminal supervisor console for Kore.ai Agent AI contact centres",
    long_about = "A terminal supervisor console for Kore.ai Agent AI contact centres.\n\n\
        Without a command it opens the console with the resolved config. Try \
        `switchboard demo` first: it needs no Kore account."
)]
pub struct Cli {
    /// Config file (else $SWITCHBOARD_CONFIG, else the platform config dir).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Allow plain http:// to a host that is not loopback.
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,
    /// Show everything, send nothing (the console; `demo --read-only` for
    /// the demo). Not for `send` or `assign`, which always send.
    #[arg(long)]
    pub read_only: bool,
    /// ASCII borders and symbols (the console; `demo --ascii` for the demo).
    #[arg(long)]
    pub ascii: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run against the embedded simulator: no Kore account needed.
    Demo(DemoArgs),
    /// Run only the simulator: Kore's documented endpoints on loopback.
    Simulator(SimulatorArgs),
    /// Send hooks transfer events for one conversation (or a batch).
    Send(SendArgs),
    /// Assign a bot session to an agent or a queue and wait for the callback
    /// (or a batch of assigns).
    Assign(AssignArgs),
    /// A read-only full-screen view of big per-queue tiles, for a screen on
    /// the wall (the config's [kore]; sends nothing; q quits).
    Wallboard(WallboardArgs),
    /// Validate the config, sign a token and reach the host.
    Check,
    /// Write a starter config (mode 0600) to the config path.
    Init,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Seed for the traffic generator (the same seed gives the same traffic).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Speed factor of the traffic generator.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Probability (0 to 1) that a request to the simulator meets an
    /// injected fault (a 503, extra latency, a reset connection, or a lost
    /// reply to a hooks request), and that an assign callback is dropped.
    #[arg(long, default_value_t = 0.0)]
    faults: f64,
    /// Play a scripted walkthrough: `walkthrough` (built in, from
    /// assets/walkthrough.script) or a script file.
    #[arg(long, value_name = "FILE")]
    script: Option<PathBuf>,
    /// Address for the simulator (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Start with this many more live conversations (some waiting, most
    /// with an agent), to see the console at scale. 0 keeps the demo world.
    #[arg(long, default_value_t = 0, value_parser = parse_conversations)]
    conversations: usize,
    /// Show everything, send nothing.
    #[arg(long)]
    read_only: bool,
    /// ASCII borders and symbols.
    #[arg(long)]
    ascii: bool,
    /// Only the wallboard: big per-queue tiles, read-only (q quits).
    #[arg(long)]
    wallboard: bool,
    /// Team mode with N consoles: this one and N-1 simulated teammates
    /// (Mia, Raj, ...) on a redis-server of its own (needs redis-server on
    /// PATH).
    #[arg(long, value_name = "N", value_parser = parse_team)]
    team: Option<usize>,
}

/// `--team N`: 2 to [`crate::demo_team::MAX_TEAM`] consoles.
fn parse_team(s: &str) -> Result<usize, String> {
    let n: usize = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    let max = crate::demo_team::MAX_TEAM;
    if (2..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!("a team is 2 to {max} consoles"))
    }
}

#[derive(Args, Debug)]
pub struct WallboardArgs {
    /// ASCII borders, symbols and block digits.
    #[arg(long)]
    ascii: bool,
}

#[derive(Args, Debug)]
pub struct SimulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[arg(long, default_value = sim::DEMO_BOT_ID)]
    bot_id: String,
    #[arg(long, default_value = sim::DEMO_ORG_ID)]
    org_id: String,
    #[arg(long, default_value = sim::DEMO_ACCOUNT_ID)]
    account_id: String,
    #[arg(long, default_value = sim::DEMO_CLIENT_ID)]
    client_id: String,
    /// The client secret tokens must be signed with (default: the demo secret).
    #[arg(
        long,
        env = "SWITCHBOARD_SIM_SECRET",
        hide_env_values = true,
        value_parser = parse_secret
    )]
    client_secret: Option<Secret>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Probability (0 to 1) that a request meets an injected fault: a 503
    /// error, extra latency, a reset connection, or (hooks only) a lost reply,
    /// where the events are applied but the connection drops before the
    /// answer. Assign callbacks are dropped at the same rate.
    #[arg(long, default_value_t = 0.0)]
    faults: f64,
    /// Requests per minute per account; 0 turns the limit off.
    #[arg(long, default_value_t = 60)]
    rate_limit: u32,
    /// Speed factor of the traffic generator.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Turn the traffic generator off.
    #[arg(long)]
    no_traffic: bool,
    /// How long after an assign its callback is posted (plus up to half
    /// again of jitter), in milliseconds.
    #[arg(long, default_value_t = SimConfig::demo().callback_delay_ms, value_parser = clap::value_parser!(u64).range(0..=600_000))]
    callback_delay_ms: u64,
    /// Start with this many more live conversations (some waiting, most
    /// with an agent), paged as list-conversations documents. 0 keeps the
    /// demo world.
    #[arg(long, default_value_t = 0, value_parser = parse_conversations)]
    conversations: usize,
}

/// The most live conversations `--conversations` adds.
const MAX_SIM_CONVERSATIONS: usize = 200_000;

fn parse_conversations(v: &str) -> Result<usize, String> {
    let n: usize = v
        .trim()
        .parse()
        .map_err(|_| format!("a whole number of conversations, not {v:?}"))?;
    if n > MAX_SIM_CONVERSATIONS {
        return Err(format!("at most {MAX_SIM_CONVERSATIONS}, not {n}"));
    }
    Ok(n)
}

impl Cli {
    /// The console's own flags, given before a command that has no screen:
    /// refused, never silently ignored (`send --read-only` would send).
    pub fn refuse_screen_flags(&self) -> Result<(), Fail> {
        let Some(cmd) = &self.command else {
            return Ok(());
        };
        if matches!(cmd, Command::Demo(_) | Command::Wallboard(_))
            || !(self.read_only || self.ascii)
        {
            return Ok(());
        }
        let flag = if self.read_only {
            "--read-only"
        } else {
            "--ascii"
        };
        let name = match cmd {
            Command::Send(_) => "send",
            Command::Assign(_) => "assign",
            Command::Check => "check",
            Command::Init => "init",
            Command::Simulator(_) => "simulator",
            Command::Demo(_) => "demo",
            Command::Wallboard(_) => "wallboard",
        };
        Err(Fail::usage(format!(
            "{flag} is for the console and the demo; `{name}` has no screen{}",
            if matches!(cmd, Command::Send(_) | Command::Assign(_)) {
                " and always sends: leave the flag out, or do not run it"
            } else {
                ""
            }
        )))
    }

    /// The console's flags (`switchboard` with no command).
    pub fn screen(&self) -> UiFlags {
        UiFlags {
            read_only: self.read_only,
            ascii: self.ascii,
            wallboard: false,
        }
    }
}

impl WallboardArgs {
    /// Read-only, the wallboard alone; ASCII if either flag asks.
    pub fn ui(&self, screen: UiFlags) -> UiFlags {
        UiFlags {
            read_only: true,
            ascii: screen.ascii || self.ascii,
            wallboard: true,
        }
    }
}

impl DemoArgs {
    /// The demo's options, its flags checked and its script read; `screen`
    /// is the console's flags given before `demo`.
    pub fn options(self, screen: UiFlags) -> Result<DemoOptions, Fail> {
        check_fraction("faults", self.faults)?;
        check_speed(self.speed)?;
        let script = match &self.script {
            Some(path) => Some(crate::demo::load_script(path).map_err(Fail::usage)?),
            None => None,
        };
        Ok(DemoOptions {
            seed: self.seed,
            speed: self.speed,
            faults: self.faults,
            listen: self.listen,
            conversations: self.conversations,
            script,
            ui: UiFlags {
                read_only: screen.read_only || self.read_only || self.wallboard,
                ascii: screen.ascii || self.ascii,
                wallboard: self.wallboard,
            },
            team: self.team,
        })
    }
}

impl SimulatorArgs {
    /// The simulator's config and its address, the flags checked.
    pub fn sim_config(self) -> Result<(SimConfig, SocketAddr), Fail> {
        check_fraction("faults", self.faults)?;
        check_speed(self.speed)?;
        let mut cfg = SimConfig::demo();
        cfg.bot_id = self.bot_id;
        cfg.org_id = self.org_id;
        cfg.account_id = self.account_id;
        cfg.client_id = self.client_id;
        if let Some(s) = self.client_secret {
            cfg.client_secret = s;
        }
        cfg.seed = self.seed;
        cfg.faults = self.faults;
        cfg.rate_limit = self.rate_limit;
        cfg.speed = self.speed;
        cfg.traffic = !self.no_traffic;
        cfg.callback_delay_ms = self.callback_delay_ms;
        cfg.conversations = self.conversations;
        Ok((cfg, self.listen))
    }
}

/// Reads `--client-secret` straight into a [`Secret`], so that the parsed
/// arguments never print it.
fn parse_secret(s: &str) -> Result<Secret, String> {
    if s.is_empty() {
        return Err("the client secret must not be empty".into());
    }
    Ok(Secret::new(s))
}

fn check_fraction(name: &str, v: f64) -> Result<(), Fail> {
    if !(0.0..=1.0).contains(&v) {
        return Err(Fail::usage(format!(
            "--{name} must be between 0 and 1, not {v}"
        )));
    }
    Ok(())
}

fn check_speed(v: f64) -> Result<(), Fail> {
    if !(v.is_finite() && v > 0.0 && v <= 100.0) {
        return Err(Fail::usage(format!(
            "--speed must be above 0 and at most 100, not {v}"
        )));
    }
    Ok(())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn simulator_args(cli: &Cli) -> &SimulatorArgs {
        match &cli.command {
            Some(Command::Simulator(a)) => a,
            other => panic!("not the simulator command: {other:?}"),
        }
    }

    #[test]
    fn the_simulator_secret_never_shows_in_debug() {
        let cli = Cli::try_parse_from([
            "switchboard",
            "simulator",
            "--client-secret",
            "a-private-secret-5678",
        ])
        .unwrap();
        let a = simulator_args(&cli);
        assert_eq!(
            a.client_secret.as_ref().map(Secret::expose),
            Some("a-private-secret-5678")
        );
        let shown = format!("{cli:?} {cli:#?}");
        assert!(!shown.contains("a-private-secret-5678"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn an_empty_simulator_secret_is_refused() {
        let err =
            Cli::try_parse_from(["switchboard", "simulator", "--client-secret", ""]).unwrap_err();
        assert!(err.to_string().contains("must not be empty"), "{err}");
        let cli = Cli::try_parse_from(["switchboard", "simulator"]).unwrap();
        assert!(simulator_args(&cli).client_secret.is_none());
    }
}
