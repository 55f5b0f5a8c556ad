//! The `ocpp-gateway` command: serve, check-config, sim.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use ocpp_gateway::config::Settings;
use ocpp_gateway::{telemetry, Gateway};

#[derive(Parser)]
#[command(
    name = "ocpp-gateway",
    version,
    about = "OCPP 1.6J / 2.0.1 central-system gateway"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway.
    Serve {
        /// A TOML settings file layered over the built-in defaults.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Validate the settings and print them, secrets redacted.
    CheckConfig {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Run a simulated charger (1.6 or 2.0.1) against any OCPP server.
    Sim(ocpp_gateway::sim::SimArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { config } => {
            let settings = Settings::load(config.as_deref())?;
            telemetry::init(&settings.log).map_err(anyhow::Error::msg)?;
            runtime()?.block_on(serve(settings))
        }
        Command::CheckConfig { config } => {
            let settings = Settings::load(config.as_deref())?;
            print!("{}", settings.redacted_toml());
            Ok(())
        }
        Command::Sim(args) => runtime()?.block_on(ocpp_gateway::sim::run(args)),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let gateway = Gateway::start(settings).await?;
    println!("ocpp listening on ws://{}", gateway.ocpp_addr());
    println!("api listening on http://{}", gateway.api_addr());
    if let Some((token, path)) = gateway.generated_api_token() {
        println!(
            "api token (generated now, kept in {}): {token}",
            path.display()
        );
    }
    shutdown_signal().await;
    tracing::info!("shutting down: closing chargers");
    gateway.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
