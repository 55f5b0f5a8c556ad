//! `ocpp-gateway sim`: one simulated charger on the command line, printing each
//! exchange as it happens (frames themselves are logged at debug level). With `--ev`
//! the session is an [`EvCharger`]'s: an EV that obeys (or, with
//! `--ev-ignore-profiles`, ignores) the charging profiles, one line per meter report.

use std::time::Duration;

use anyhow::Context as _;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::ocpp::OcppVersion;

use super::load::{self, LoadArgs};
use super::{
    run_scenario, ConnectOptions, EvCharger, EvOptions, EvSpec, Outcome, Responder, Scenario,
    ScenarioOptions, SimCharger, Step,
};

/// The options of `ocpp-gateway sim`.
#[derive(Clone, Debug, clap::Args)]
pub struct SimArgs {
    /// The gateway's OCPP endpoint; the identity is appended to it.
    #[arg(long, default_value = "ws://127.0.0.1:9000/ocpp")]
    pub url: String,
    /// The charger's identity.
    #[arg(long, default_value = "SIM-0001")]
    pub identity: String,
    /// The OCPP version to offer: 1.6 or 2.0.1.
    #[arg(long, default_value = "1.6", value_parser = parse_protocol)]
    pub protocol: OcppVersion,
    /// The Basic-auth password (none: connect without credentials).
    #[arg(long)]
    pub password: Option<String>,
    /// What the charger does once connected.
    #[arg(long, value_enum, default_value_t = Scenario::Session)]
    pub scenario: Scenario,
    /// How many meter value reports a session sends.
    #[arg(long, default_value_t = 3)]
    pub meter_values: u32,
    /// Seconds between meter value reports.
    #[arg(long, default_value_t = 1.0)]
    pub meter_interval: f64,
    /// How the charger answers the gateway's calls.
    #[arg(long, value_enum, default_value_t = Outcome::Accepted)]
    pub respond: Outcome,
    /// A simulated EV for the session (`--ev` and its options).
    #[command(flatten)]
    pub ev: EvArgs,
    /// Many chargers at once: the load generator.
    #[command(flatten)]
    pub load: LoadArgs,
}

/// The options of `ocpp-gateway sim --ev`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct EvArgs {
    /// The session with a simulated EV that obeys the charging profiles the gateway
    /// sends: meter values carry its current per phase, power, energy and SoC, every
    /// --meter-interval; --meter-values 0 charges until Ctrl-C.
    #[arg(long = "ev")]
    pub enabled: bool,
    /// With --ev: the EV draws its maximum whatever the profiles say.
    #[arg(long, requires = "enabled")]
    pub ev_ignore_profiles: bool,
    /// With --ev: the EV's maximum current per phase, in A (default 16).
    #[arg(long, requires = "enabled")]
    pub ev_max_current: Option<f64>,
    /// With --ev: the phases the EV charges on, 1 or 3 (default 3).
    #[arg(long, value_parser = parse_phases, requires = "enabled")]
    pub ev_phases: Option<u8>,
    /// With --ev: answer SetChargingProfile, ClearChargingProfile and
    /// GetCompositeSchedule with a NotSupported CALLERROR (a charger without smart
    /// charging).
    #[arg(long, requires = "enabled")]
    pub profiles_not_supported: bool,
}

fn parse_phases(text: &str) -> Result<u8, String> {
    match text {
        "1" => Ok(1),
        "3" => Ok(3),
        _ => Err(format!("{text:?}: expected 1 or 3")),
    }
}

fn parse_protocol(text: &str) -> Result<OcppVersion, String> {
    let token = if text.starts_with("ocpp") {
        text.to_owned()
    } else {
        format!("ocpp{text}")
    };
    OcppVersion::from_subprotocol(&token).ok_or_else(|| format!("{text:?}: expected 1.6 or 2.0.1"))
}

/// Connects one simulated charger, runs the chosen scenario and prints what happens.
/// Ctrl-C ends an `idle` charger (or the pauses of a session) and closes the link.
/// With `--chargers` above 1 (or `--scenario meter|storm`) it runs the load generator.
pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    if args.load.wanted(args.scenario) {
        return load::run_cli(&args.url, args.protocol, args.scenario, args.load).await;
    }
    let meter_interval = Duration::try_from_secs_f64(args.meter_interval)
        .context("--meter-interval must be a non-negative number of seconds")?;
    if args.ev.enabled {
        return run_ev(args, meter_interval).await;
    }
    let mut options = ConnectOptions::new(&args.url, &args.identity, args.protocol);
    options.password = args.password;
    options.responder = Responder::with_outcome(args.respond);
    let url = options.url.clone();
    let who = args.identity.clone();

    println!("{who}: connecting to {url} offering {}", args.protocol);
    let mut sim = SimCharger::connect(options)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    let version = match sim.negotiated() {
        Some(version) => version,
        None => {
            println!("{who}: the gateway chose no subprotocol; speaking 1.6");
            OcppVersion::V16
        }
    };
    println!("{who}: connected, speaking {version}");

    let stop = CancellationToken::new();
    let on_ctrl_c = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let hook_who = who.clone();
    let scenario_options = ScenarioOptions {
        meter_values: args.meter_values,
        meter_interval,
        stop,
        on_step: Some(std::sync::Arc::new(move |step: &Step| {
            println!("{hook_who}: {}", describe(step));
        })),
        ..ScenarioOptions::default()
    };
    let outcome = run_scenario(&mut sim, version, args.scenario, &scenario_options).await;

    for call in sim.received_calls() {
        println!(
            "{who}: the gateway called {} {} and got {:?}",
            call.action,
            brief(&call.payload),
            call.answer
        );
    }
    let report = outcome.with_context(|| format!("{who}: {:?} scenario failed", args.scenario))?;
    if let Some(id) = &report.transaction_id {
        println!("{who}: transaction {id}");
    }
    if let Some((start, stop)) = report.meter_wh {
        println!("{who}: charged {} Wh ({start} → {stop})", stop - start);
    }
    sim.close().await.context("closing the connection")?;
    println!("{who}: done, {} exchanges", report.steps.len());
    Ok(())
}

/// `--ev`: boot, one session with an EV on EVSE 1, a line per meter report, stop.
async fn run_ev(args: SimArgs, meter_interval: Duration) -> anyhow::Result<()> {
    let mut options = ConnectOptions::new(&args.url, &args.identity, args.protocol);
    options.password = args.password;
    options.responder = Responder::with_outcome(args.respond);
    let url = options.url.clone();
    let who = args.identity.clone();
    let ev_options = EvOptions {
        meter_interval,
        profiles_not_supported: args.ev.profiles_not_supported,
        ..EvOptions::default()
    };
    println!("{who}: connecting to {url} speaking {}", args.protocol);
    let mut charger = EvCharger::connect_with(options, args.protocol, ev_options)
        .await
        .with_context(|| format!("connecting to {url} and booting"))?;
    let default = EvSpec::default();
    let spec = EvSpec {
        max_current: args.ev.ev_max_current.unwrap_or(default.max_current),
        phases: args.ev.ev_phases.unwrap_or(default.phases),
        ignore_profiles: args.ev.ev_ignore_profiles,
        ..default
    };
    println!("{who}: booted; an EV plugs in on EVSE 1: {spec:?}");
    let tx = charger
        .start_session(1, spec)
        .await
        .context("starting the session")?;
    println!("{who}: transaction {tx}");

    let stop = CancellationToken::new();
    let on_ctrl_c = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let mut sent = 0;
    while args.meter_values == 0 || sent < args.meter_values {
        let report = tokio::select! {
            () = stop.cancelled() => break,
            report = charger.next_report(Duration::from_secs(3600)) => report,
        };
        let Some(r) = report else { continue };
        sent += 1;
        let [l1, l2, l3] = r.reading.currents;
        let limit = r.limit.map_or("none".to_owned(), |l| format!("{l:.1} A"));
        println!(
            "{who}: L1 {l1:.1} A, L2 {l2:.1} A, L3 {l3:.1} A, {:.0} W, {:.0} Wh, SoC {:.1} %, limit {limit}",
            r.reading.power_w, r.reading.register_wh, r.reading.soc
        );
    }
    for call in charger.received_calls() {
        println!(
            "{who}: the gateway called {} {} and got {:?}",
            call.action,
            brief(&call.payload),
            call.answer
        );
    }
    charger
        .stop_session(1)
        .await
        .context("stopping the session")?;
    charger.close().await.context("closing the connection")?;
    println!("{who}: done, {sent} meter reports");
    Ok(())
}

/// One line per exchange: the action, the key parts of the answer, the round trip.
fn describe(step: &Step) -> String {
    format!(
        "{:<20} → {}  ({} ms)",
        step.action,
        brief(&step.response),
        step.elapsed.as_millis()
    )
}

/// Compact JSON, cut to a readable length.
fn brief(value: &Value) -> String {
    const MAX: usize = 120;
    let text = value.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_accepts_bare_and_prefixed_versions() {
        assert_eq!(parse_protocol("1.6"), Ok(OcppVersion::V16));
        assert_eq!(parse_protocol("2.0.1"), Ok(OcppVersion::V201));
        assert_eq!(parse_protocol("ocpp2.0.1"), Ok(OcppVersion::V201));
        assert!(parse_protocol("2.0").is_err());
    }

    #[test]
    fn phases_are_one_or_three() {
        assert_eq!(parse_phases("1"), Ok(1));
        assert_eq!(parse_phases("3"), Ok(3));
        assert!(parse_phases("2").is_err());
    }

    #[test]
    fn brief_cuts_long_payloads() {
        let long = Value::String("x".repeat(500));
        assert!(brief(&long).chars().count() <= 121);
        assert_eq!(brief(&serde_json::json!({})), "{}");
    }
}
