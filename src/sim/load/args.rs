//! The load options of `ocpp-gateway sim` (`--chargers`, `--rate`, `--ramp`, ...) and
//! the command-line run: options in, progress line, report out.

use std::time::Duration;

use anyhow::Context as _;

use crate::ocpp::OcppVersion;
use crate::sim::Scenario;

use super::{run_load, LoadOptions, LoadScenario};

/// The load-generation options of `ocpp-gateway sim`. With `--chargers` above 1, or
/// `--scenario meter|storm`, the simulator becomes a load generator.
#[derive(Clone, Debug, clap::Args)]
pub struct LoadArgs {
    /// How many chargers to simulate.
    #[arg(long, default_value_t = 1)]
    pub chargers: usize,
    /// `meter`: meter reports per second across all chargers.
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// Seconds the steady phase lasts after the ramp (`idle`, `meter`), or the most a
    /// `storm` may take.
    #[arg(long, default_value_t = 30.0)]
    pub duration: f64,
    /// New connections per second (0: all at once).
    #[arg(long, default_value_t = 0.0)]
    pub ramp: f64,
    /// Handshakes in flight at most.
    #[arg(long, default_value_t = 1000)]
    pub max_pending: usize,
    /// Spread source addresses over this many loopback addresses from 127.0.1.1 (for
    /// more connections than one address has ephemeral ports); 0: no spreading.
    #[arg(long, default_value_t = 0)]
    pub source_ips: u32,
    /// `idle`: seconds between heartbeats (default: the interval BootNotification gave).
    #[arg(long)]
    pub heartbeat: Option<f64>,
    /// Seconds a call waits for its answer.
    #[arg(long, default_value_t = 30.0)]
    pub call_timeout: f64,
    /// The identity prefix of load chargers; a six-digit index follows it.
    #[arg(long, default_value = "LOAD-")]
    pub prefix: String,
    /// The gateway's process id: its resident memory goes into the report.
    #[arg(long)]
    pub gateway_pid: Option<u32>,
}

impl Default for LoadArgs {
    fn default() -> Self {
        LoadArgs {
            chargers: 1,
            rate: 100.0,
            duration: 30.0,
            ramp: 0.0,
            max_pending: 1000,
            source_ips: 0,
            heartbeat: None,
            call_timeout: 30.0,
            prefix: "LOAD-".to_owned(),
            gateway_pid: None,
        }
    }
}

impl LoadArgs {
    /// Whether these options ask for a load run rather than one scripted charger.
    pub fn wanted(&self, scenario: Scenario) -> bool {
        self.chargers > 1 || matches!(scenario, Scenario::Meter | Scenario::Storm)
    }
}

fn seconds(value: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .with_context(|| format!("{flag} must be a non-negative number of seconds"))
}

/// Runs the load from the command line, printing progress and the final report.
pub async fn run_cli(
    url: &str,
    version: OcppVersion,
    scenario: Scenario,
    args: LoadArgs,
) -> anyhow::Result<()> {
    let scenario = match scenario {
        Scenario::Idle => LoadScenario::Idle,
        Scenario::Meter | Scenario::Session => LoadScenario::Meter,
        Scenario::Storm | Scenario::Boot => LoadScenario::Storm,
    };
    anyhow::ensure!(args.chargers > 0, "--chargers must be at least 1");
    anyhow::ensure!(args.rate > 0.0, "--rate must be positive");
    let mut options = LoadOptions::new(url, scenario, args.chargers);
    options.version = version;
    options.prefix = args.prefix;
    options.rate = args.rate;
    options.duration = seconds(args.duration, "--duration")?;
    options.ramp = args.ramp.max(0.0);
    options.max_pending = args.max_pending;
    options.source_ips = args.source_ips;
    options.heartbeat = args
        .heartbeat
        .map(|s| seconds(s, "--heartbeat"))
        .transpose()?;
    options.call_timeout = seconds(args.call_timeout, "--call-timeout")?;
    options.gateway_pid = args.gateway_pid;
    options.progress = true;
    println!(
        "load: {} chargers, {scenario:?}, against {url} speaking {version}",
        args.chargers
    );
    let report = run_load(options).await.context("load run")?;
    println!("{report}");
    Ok(())
}
