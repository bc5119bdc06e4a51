//! `graph-emulator --port 8080 [--seed-data file.json] [--failure-rate 30]
//! [--seed N] [--rate-limit N] [--tls]`: serve the emulator until Ctrl-C (or,
//! on Unix, SIGTERM or SIGHUP), logging one line per request to stderr.

use std::process::ExitCode;

use graph_emulator::{Emulator, Faults, RateLimit, Tenant};

const USAGE: &str = "usage: graph-emulator [--port N] [--seed-data FILE.json] [--failure-rate PERCENT] [--seed N] [--rate-limit REQUESTS_PER_SECOND] [--tls]";

struct Args {
    port: u16,
    seed_data: Option<String>,
    failure_percent: f64,
    seed: u64,
    rate_limit: Option<u32>,
    tls: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 8080,
        seed_data: None,
        failure_percent: 0.0,
        seed: 0,
        rate_limit: None,
        tls: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_string());
        }
        if flag == "--tls" {
            args.tls = true;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let bad = || format!("invalid value '{value}' for {flag}\n{USAGE}");
        match flag.as_str() {
            "--port" => args.port = value.parse().map_err(|_| bad())?,
            "--seed-data" => args.seed_data = Some(value),
            "--failure-rate" => {
                args.failure_percent = value.parse().map_err(|_| bad())?;
            }
            "--seed" => args.seed = value.parse().map_err(|_| bad())?,
            "--rate-limit" => args.rate_limit = Some(value.parse().map_err(|_| bad())?),
            _ => return Err(format!("unknown argument '{flag}'\n{USAGE}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let tenant = match &args.seed_data {
        None => Tenant::default_tenant(),
        Some(path) => {
            let loaded = std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|text| Tenant::from_json(&text).map_err(|e| e.to_string()));
            match loaded {
                Ok(tenant) => tenant,
                Err(err) => {
                    eprintln!("cannot load {path}: {err}");
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    let tenant_id = tenant.tenant_id.clone();
    let token = tenant.access_token.clone();
    let mut builder = Emulator::builder()
        .seed(args.seed)
        .tenant(tenant)
        .faults(Faults::new().failure_rate(args.failure_percent / 100.0))
        .port(args.port)
        .tls(args.tls)
        .log_to_stderr(true);
    if let Some(n) = args.rate_limit {
        builder = builder.rate_limit(RateLimit::per_second(n));
    }
    let emu = match builder.start().await {
        Ok(emu) => emu,
        Err(err) if err.kind() == std::io::ErrorKind::InvalidInput => {
            eprintln!("cannot start: {err}");
            return ExitCode::FAILURE;
        }
        Err(err) => {
            eprintln!("cannot listen on 127.0.0.1:{}: {err}", args.port);
            return ExitCode::FAILURE;
        }
    };
    let stopped = stop_signals();
    eprint!(
        "{}",
        banner(&emu.base_url(), &emu.root_url(), &tenant_id, &token)
    );
    if let Some(path) = emu.ca_certificate_path() {
        eprint!("{}", tls_banner(&path.display().to_string()));
    }
    stopped.await;
    // Stops the server and removes the TLS certificate's file.
    drop(emu);
    ExitCode::SUCCESS
}

/// Listens for Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `kill`, service
/// managers and container runtimes send) or SIGHUP (the terminal closed)
/// from now on, before the banner tells anyone the emulator runs; the
/// future resolves at the first. SIGKILL cannot be caught: a TLS emulator
/// killed so leaves its certificate's file (a public certificate, no key)
/// in the temporary directory.
fn stop_signals() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listening = [
            SignalKind::interrupt(),
            SignalKind::terminate(),
            SignalKind::hangup(),
        ]
        .map(signal);
        async move {
            match listening {
                [Ok(mut int), Ok(mut term), Ok(mut hangup)] => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                        _ = hangup.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// What the emulator prints when it starts. The token is the seed's
/// delegated test token, accepted only by this emulator; the banner says so,
/// so a reader of a CI log does not take it for a leaked credential.
fn banner(base_url: &str, root_url: &str, tenant_id: &str, token: &str) -> String {
    format!(
        "graph-emulator serving {base_url}\n\
         token endpoint: {root_url}/{tenant_id}/oauth2/v2.0/token\n\
         OpenID configuration: {root_url}/{tenant_id}/v2.0/.well-known/openid-configuration\n\
         delegated access token (the emulator's built-in test token, valid only here): {token}\n"
    )
}

/// What a TLS emulator adds to the banner: where the certificate to trust is.
fn tls_banner(ca_path: &str) -> String {
    format!(
        "TLS certificate authority (trust it, e.g. REQUESTS_CA_BUNDLE or SSL_CERT_FILE): {ca_path}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_banner_names_the_certificate_file() {
        let shown = tls_banner("/tmp/x-ca.pem");
        assert!(shown.contains("/tmp/x-ca.pem"), "{shown}");
        assert!(shown.ends_with('\n'));
    }

    #[test]
    fn the_banner_says_the_token_is_the_emulators_test_token() {
        let shown = banner(
            "http://127.0.0.1:1/v1.0",
            "http://127.0.0.1:1",
            "t",
            "TOKEN",
        );
        let line = shown
            .lines()
            .find(|l| l.contains("TOKEN"))
            .expect("the token is printed");
        assert!(line.contains("emulator's built-in test token"), "{line}");
        assert!(line.contains("valid only here"), "{line}");
        assert!(
            shown.contains("http://127.0.0.1:1/t/oauth2/v2.0/token"),
            "{shown}"
        );
    }
}
