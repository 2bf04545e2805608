//! The `switchboard` binary: it parses the arguments (`cli::args`) and
//! hands each command its own; what a command needs is built by
//! `switchboard::wiring`.

use clap::Parser;
use std::process::ExitCode;
use switchboard::cli::{self, Cli, Command};
use switchboard::exit::Fail;
use switchboard::runtime::terminal::say;
use switchboard::{demo, logging, wiring};

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

/// Hands the parsed command to what runs it.
async fn run(cli: Cli) -> Result<i32, Fail> {
    cli.refuse_screen_flags()?;
    let screen = cli.screen();
    let config = cli.config.as_deref();
    let insecure = cli.allow_insecure_http;
    match cli.command {
        None => wiring::console(config, insecure, screen).await,
        Some(Command::Wallboard(a)) => wiring::console(config, insecure, a.ui(screen)).await,
        Some(Command::Demo(a)) => demo::command(config, a.options(screen)?).await,
        Some(Command::Simulator(a)) => {
            let (sim, listen) = a.sim_config()?;
            wiring::simulator(sim, listen).await
        }
        Some(Command::Init) => {
            logging::init_file("cli");
            cli::init(config)
        }
        Some(Command::Check) => {
            logging::init_file("cli");
            cli::check(config, insecure).await
        }
        Some(Command::Send(a)) => {
            logging::init_file("cli");
            cli::send(config, insecure, a).await
        }
        Some(Command::Assign(a)) => {
            logging::init_file("cli");
            cli::assign(config, insecure, a).await
        }
    }
}
