//! The `switchboard` binary: argument parsing and the hand-off to each command.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use switchboard::cli::{self, AssignArgs, Fail, SendArgs};
use switchboard::kore::jwt::Secret;
use switchboard::runtime::terminal::say;
use switchboard::sim::{self, SimConfig};
use switchboard::wiring::{self, UiFlags};

#[derive(Parser, Debug)]
#[command(
    name = "switchboard",
    version,
    about = "A terminal supervisor console for Kore.ai Agent AI contact centres",
    long_about = "A terminal supervisor console for Kore.ai Agent AI contact centres.\n\n\
        Without a command it opens the console with the resolved config. Try \
        `switchboard demo` first: it needs no Kore account."
)]
struct Cli {
    /// Config file (else $SWITCHBOARD_CONFIG, else the platform config dir).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Allow plain http:// to a host that is not loopback.
    #[arg(long, global = true)]
    allow_insecure_http: bool,
    /// Show everything, send nothing (the console; `demo --read-only` for
    /// the demo). Not for `send` or `assign`, which always send.
    #[arg(long)]
    read_only: bool,
    /// ASCII borders and symbols (the console; `demo --ascii` for the demo).
    #[arg(long)]
    ascii: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
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
struct DemoArgs {
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
}

#[derive(Args, Debug)]
struct WallboardArgs {
    /// ASCII borders, symbols and block digits.
    #[arg(long)]
    ascii: bool,
}

#[derive(Args, Debug)]
struct SimulatorArgs {
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

fn main() -> ExitCode {
    switchboard::install_crypto();
    // While the process has one thread: the only time the local offset can
    // be read soundly. Clocks on screen are then local; else they stay UTC.
    switchboard::ui::text::set_local_offset();
    // Before any listener or file is opened: keep files in reserve for the
    // journal and exports even while many connections are open.
    switchboard::runtime::limits::raise_open_files();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!("error: cannot start the async runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(run(cli));
    let code = match result {
        // Everything was sent, but a result could not be printed.
        Ok(0) if cli::stdout_broken() => 1,
        Ok(code) => code,
        Err(fail) => {
            // Never a panic: stderr may be a tty that hung up.
            say(&format!("error: {}", fail.message));
            fail.code
        }
    };
    if switchboard::runtime::terminal::hung_up() {
        tracing::info!("ending as SIGHUP would");
    }
    // The log file is written by a thread of its own: let it catch up.
    switchboard::logging::flush();
    if switchboard::runtime::terminal::hung_up() {
        // The console's terminal hung up: say so in the exit status.
        switchboard::runtime::terminal::end_by_hangup();
    }
    ExitCode::from(code.clamp(0, 255) as u8)
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

async fn run(cli: Cli) -> Result<i32, Fail> {
    let config = cli.config.as_deref();
    let insecure = cli.allow_insecure_http;
    // The console's own flags, given before a command that has no screen:
    // refused, never silently ignored (`send --read-only` would send).
    if let Some(cmd) = &cli.command
        && !matches!(cmd, Command::Demo(_) | Command::Wallboard(_))
        && (cli.read_only || cli.ascii)
    {
        let flag = if cli.read_only {
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
        return Err(Fail::usage(format!(
            "{flag} is for the console and the demo; `{name}` has no screen{}",
            if matches!(cmd, Command::Send(_) | Command::Assign(_)) {
                " and always sends: leave the flag out, or do not run it"
            } else {
                ""
            }
        )));
    }
    match cli.command {
        None => {
            wiring::console(
                config,
                insecure,
                UiFlags {
                    read_only: cli.read_only,
                    ascii: cli.ascii,
                    wallboard: false,
                },
            )
            .await
        }
        Some(Command::Wallboard(a)) => {
            wiring::console(
                config,
                insecure,
                UiFlags {
                    read_only: true,
                    ascii: cli.ascii || a.ascii,
                    wallboard: true,
                },
            )
            .await
        }
        Some(Command::Init) => {
            switchboard::logging::init_file("cli");
            cli::init(config)
        }
        Some(Command::Check) => {
            switchboard::logging::init_file("cli");
            cli::check(config, insecure).await
        }
        Some(Command::Send(a)) => {
            switchboard::logging::init_file("cli");
            cli::send(config, insecure, a).await
        }
        Some(Command::Assign(a)) => {
            switchboard::logging::init_file("cli");
            cli::assign(config, insecure, a).await
        }
        Some(Command::Simulator(a)) => {
            switchboard::logging::init_stderr();
            check_fraction("faults", a.faults)?;
            check_speed(a.speed)?;
            let mut cfg = SimConfig::demo();
            cfg.bot_id = a.bot_id;
            cfg.org_id = a.org_id;
            cfg.account_id = a.account_id;
            cfg.client_id = a.client_id;
            if let Some(s) = a.client_secret {
                cfg.client_secret = s;
            }
            cfg.seed = a.seed;
            cfg.faults = a.faults;
            cfg.rate_limit = a.rate_limit;
            cfg.speed = a.speed;
            cfg.traffic = !a.no_traffic;
            cfg.callback_delay_ms = a.callback_delay_ms;
            cfg.conversations = a.conversations;
            sim::run_cli(cfg, a.listen)
                .await
                .map(|_| 0)
                .map_err(|e| Fail::failed(format!("simulator: {e:#}")))
        }
        Some(Command::Demo(a)) => {
            check_fraction("faults", a.faults)?;
            check_speed(a.speed)?;
            let script = match &a.script {
                Some(path) => Some(switchboard::demo::load_script(path).map_err(Fail::usage)?),
                None => None,
            };
            let prefs = switchboard::demo::prefs(config)?;
            wiring::require_terminal()?;
            switchboard::logging::init_file("demo");
            let ui = UiFlags {
                read_only: cli.read_only || a.read_only || a.wallboard,
                ascii: cli.ascii || a.ascii,
                wallboard: a.wallboard,
            };
            switchboard::demo::run(
                switchboard::demo::DemoOptions {
                    seed: a.seed,
                    speed: a.speed,
                    faults: a.faults,
                    listen: a.listen,
                    conversations: a.conversations,
                    script,
                    wallboard: ui.wallboard,
                },
                prefs.as_ref(),
                ui.read_only,
                ui.ascii,
            )
            .await
            .map_err(|e| Fail::failed(format!("{e:#}")))
        }
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
