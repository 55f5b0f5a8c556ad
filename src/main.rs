//! The `ocpp-gateway` command: serve, check-config, sim, certs.

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
    /// Make development certificates.
    Certs {
        #[command(subcommand)]
        command: CertsCommand,
    },
}

#[derive(Subcommand)]
enum CertsCommand {
    /// Write a development CA (also the charger CA), a server certificate and charger
    /// client certificates. An existing CA in the folder is reused.
    Init {
        /// Where to write them.
        #[arg(long, default_value = "certs")]
        dir: PathBuf,
        /// Host names or IP addresses the server certificate is for.
        #[arg(long = "host", default_values_t = ["localhost".to_string(), "127.0.0.1".to_string()])]
        hosts: Vec<String>,
        /// Charger identities to issue client certificates for (security profile 3).
        #[arg(long = "charger")]
        chargers: Vec<String>,
        /// Also write the Plug & Charge development PKI into `{dir}/pnc` (V2G, MO and
        /// OEM roots with their sub-CAs), for `pnc.provider = "local"`.
        #[arg(long)]
        pnc: bool,
        /// With --pnc: PCIDs to write OEM provisioning certificates for (test vehicles).
        #[arg(long = "vehicle", requires = "pnc")]
        vehicles: Vec<String>,
    },
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
        Command::Certs {
            command:
                CertsCommand::Init {
                    dir,
                    hosts,
                    chargers,
                    pnc,
                    vehicles,
                },
        } => {
            let mut written = ocpp_gateway::security::certs::init(&dir, &hosts, &chargers)?;
            if pnc {
                let more = ocpp_gateway::security::pnc_pki::init_pnc(&dir.join("pnc"), &vehicles)?;
                written.files.extend(more.files);
            }
            for f in written.files {
                println!("wrote {}", f.display());
            }
            Ok(())
        }
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
    if let Some(addr) = gateway.tls_addr() {
        println!("ocpp listening on wss://{addr}");
    }
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
