//! How a load run reports: a progress line rewritten in place once a second, and the
//! final [`LoadReport`]. Also the two bits of process plumbing a large run needs: the
//! descriptor limit and a process's resident memory.

use std::fmt;
use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::stats::{ErrorKind, Exchange, Latency, Stats};
use super::{LoadScenario, Shared};

/// Prints `connected, booted, msgs/s, errors` once a second while the run goes on.
pub(super) struct Progress {
    done: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Progress {
    pub fn start(shared: Arc<Shared>) -> Progress {
        let done = CancellationToken::new();
        let task = shared.options.progress.then(|| {
            let done = done.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                let mut last = 0;
                loop {
                    tokio::select! {
                        _ = tick.tick() => {}
                        () = done.cancelled() => break,
                    }
                    let s = &shared.stats;
                    let answered = Stats::get(&s.answered);
                    let mut err = std::io::stderr().lock();
                    let _ = write!(
                        err,
                        "\r{:>6.0}s  connected {:>7}  booted {:>7}  msgs/s {:>7}  errors {:>5} ",
                        shared.started.elapsed().as_secs_f64(),
                        Stats::get(&s.connected),
                        Stats::get(&s.booted),
                        answered - last,
                        s.error_total(),
                    );
                    let _ = err.flush();
                    last = answered;
                }
                let _ = writeln!(std::io::stderr());
            })
        });
        Progress { done, task }
    }

    pub async fn finish(self) {
        self.done.cancel();
        if let Some(task) = self.task {
            let _ = task.await;
        }
    }
}

/// Whether every charger has booted or failed.
pub(super) fn settled(shared: &Shared) -> bool {
    let s = &shared.stats;
    Stats::get(&s.booted) + s.error_total() >= shared.options.chargers as u64
}

/// Timings and samples taken by the run itself.
pub(super) struct Phases {
    pub ramped: Duration,
    pub steady: Duration,
    pub steady_answers: u64,
    pub gateway_rss_kib: Option<u64>,
    pub own_rss_kib: Option<u64>,
    pub fd_limit: u64,
}

/// The outcome of a load run.
#[derive(Clone, Debug)]
pub struct LoadReport {
    pub scenario: LoadScenario,
    pub chargers: usize,
    pub connected: u64,
    pub booted: u64,
    /// From the start of the run until the last charger booted.
    pub all_booted_after: Duration,
    /// `booted / all_booted_after`.
    pub boots_per_sec: f64,
    /// Calls answered per second in the steady phase (after the ramp).
    pub messages_per_sec: f64,
    /// BootNotification and the first StatusNotification.
    pub boot_latency: Latency,
    /// Heartbeats, transaction starts and meter reports.
    pub steady_latency: Latency,
    pub errors: Vec<(ErrorKind, u64)>,
    /// The server's resident memory while all chargers were connected, in KiB.
    pub gateway_rss_kib: Option<u64>,
    /// The load generator's own resident memory, in KiB.
    pub own_rss_kib: Option<u64>,
    /// The descriptor limit the load generator ran with.
    pub fd_limit: u64,
    pub ramp_took: Duration,
    pub steady_took: Duration,
}

impl LoadReport {
    pub(super) fn new(shared: &Shared, phases: Phases) -> Self {
        let s = &shared.stats;
        let booted = Stats::get(&s.booted);
        let all_booted_after = Duration::from_micros(Stats::get(&s.last_boot_us));
        let per_sec = |n: u64, d: Duration| n as f64 / d.as_secs_f64().max(1e-6);
        LoadReport {
            scenario: shared.options.scenario,
            chargers: shared.options.chargers,
            connected: Stats::get(&s.connected),
            booted,
            all_booted_after,
            boots_per_sec: per_sec(booted, all_booted_after),
            messages_per_sec: per_sec(phases.steady_answers, phases.steady),
            boot_latency: s.latencies(Exchange::Boot),
            steady_latency: s.latencies(Exchange::Steady),
            errors: s.errors(),
            gateway_rss_kib: phases.gateway_rss_kib,
            own_rss_kib: phases.own_rss_kib,
            fd_limit: phases.fd_limit,
            ramp_took: phases.ramped,
            steady_took: phases.steady,
        }
    }

    /// Errors of every kind together.
    pub fn error_total(&self) -> u64 {
        self.errors.iter().map(|(_, n)| n).sum()
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "scenario        {:?}, {} chargers",
            self.scenario, self.chargers
        )?;
        writeln!(f, "connected       {}", self.connected)?;
        writeln!(
            f,
            "booted          {} in {:.2} s ({:.0} boots/s)",
            self.booted,
            self.all_booted_after.as_secs_f64(),
            self.boots_per_sec
        )?;
        writeln!(
            f,
            "steady phase    {:.1} s after a {:.1} s ramp: {:.0} msgs/s",
            self.steady_took.as_secs_f64(),
            self.ramp_took.as_secs_f64(),
            self.messages_per_sec
        )?;
        writeln!(f, "boot latency    {}", self.boot_latency)?;
        writeln!(f, "steady latency  {}", self.steady_latency)?;
        let errors: Vec<String> = self
            .errors
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(kind, n)| format!("{} {n}", kind.name()))
            .collect();
        let errors = if errors.is_empty() {
            "none".to_owned()
        } else {
            errors.join(", ")
        };
        writeln!(f, "errors          {errors}")?;
        if let Some(rss) = self.gateway_rss_kib {
            let per = (rss * 1024) as f64 / self.connected.max(1) as f64;
            writeln!(
                f,
                "gateway RSS     {:.1} MiB ({:.0} bytes per connected charger)",
                rss as f64 / 1024.0,
                per
            )?;
        }
        if let Some(rss) = self.own_rss_kib {
            writeln!(f, "load RSS        {:.1} MiB", rss as f64 / 1024.0)?;
        }
        write!(f, "fd limit        {}", self.fd_limit)
    }
}

/// A process's resident memory (`VmRSS` of `/proc/PID/status`), in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Raises the open-files limit: the soft limit to the hard one, and both to `want` when
/// the process may (root may, up to `fs.nr_open`). Returns the soft limit in force.
pub fn raise_fd_limit(want: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit write and read a live, properly sized struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        if want > limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: want,
                rlim_max: want,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return want;
            }
        }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
    }
    limit.rlim_cur
}
