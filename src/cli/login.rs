//! `login` and `logout`.

use std::io::{BufRead, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;

use super::Session;
use crate::config::auth::{AuthFiles, Credentials};
use crate::config::certs;
use crate::config::registries::RegistriesConf;
use crate::image::registry::{Endpoint, verify_login};

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// Registry to log in to, HOST[:PORT] (default: docker.io)
    #[arg(value_name = "REGISTRY")]
    pub registry: Option<String>,
    /// Username
    #[arg(short, long)]
    pub username: Option<String>,
    /// Password (prefer --password-stdin: command lines are visible to other users)
    #[arg(short, long)]
    pub password: Option<String>,
    /// Read the password from standard input
    #[arg(long)]
    pub password_stdin: bool,
    /// Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)
    #[arg(long, env = "REGISTRY_AUTH_FILE")]
    pub authfile: Option<PathBuf>,
    /// Require HTTPS and verify certificates
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub tls_verify: Option<bool>,
    /// Use the certificates (*.crt) in this directory instead of certs.d
    #[arg(long, value_name = "DIR")]
    pub cert_dir: Option<PathBuf>,
    /// Print the username stored for the registry and exit
    #[arg(long)]
    pub get_login: bool,
}

#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// Registry to log out of (default: docker.io)
    #[arg(value_name = "REGISTRY")]
    pub registry: Option<String>,
    /// Remove the credentials of every registry
    #[arg(short, long)]
    pub all: bool,
    /// Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)
    #[arg(long, env = "REGISTRY_AUTH_FILE")]
    pub authfile: Option<PathBuf>,
}

/// Accepts `host`, `host/ns/repo`, or a URL as docker does, and returns the auth key.
fn registry_key(input: Option<&str>) -> Result<String> {
    let raw = input.unwrap_or("docker.io");
    let trimmed = raw
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    if trimmed.is_empty() || trimmed.contains(char::is_whitespace) {
        bail!("invalid registry {raw:?}: use HOST[:PORT], e.g. registry.example.com:5000");
    }
    Ok(match trimmed {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
        other => other.to_string(),
    })
}

pub fn login(session: &Session, args: LoginArgs) -> Result<()> {
    let key = registry_key(args.registry.as_deref())?;
    let host = key.split('/').next().unwrap_or(&key).to_string();
    let auth = AuthFiles::new(&session.paths, args.authfile.clone());
    if args.get_login {
        let creds = auth
            .lookup(&host, key.split_once('/').map(|(_, r)| r).unwrap_or(""))?
            .ok_or_else(|| anyhow!("not logged into {key}"))?;
        println!("{}", creds.username);
        return Ok(());
    }
    if args.password.is_some() && args.password_stdin {
        bail!("--password and --password-stdin cannot be used together");
    }
    let username = match args.username.clone() {
        Some(u) => u,
        None if args.password_stdin => bail!("--password-stdin needs --username"),
        None => prompt_line("Username: ")?,
    };
    let password = if args.password_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the password from standard input")?;
        s.trim_end_matches(['\n', '\r']).to_string()
    } else if let Some(p) = args.password.clone() {
        p
    } else {
        rpassword::prompt_password("Password: ")
            .context("reading the password from the terminal")?
    };
    if username.is_empty() || password.is_empty() {
        bail!("username and password must not be empty");
    }
    let registries = RegistriesConf::load(&session.paths)?;
    let ca_files = match &args.cert_dir {
        Some(dir) => certs::crt_files_in(dir),
        None => certs::ca_files(&session.paths, &host),
    };
    let endpoint = Endpoint {
        insecure: args.tls_verify == Some(false)
            || (args.tls_verify.is_none() && registries.is_insecure(&host)),
        host: host.clone(),
        ca_files,
        credentials: Some(Credentials { username, password }),
    };
    super::runtime()?.block_on(verify_login(&endpoint))?;
    let creds = endpoint.credentials.as_ref().expect("set above");
    auth.store(&key, creds)?;
    println!("Login Succeeded!");
    Ok(())
}

fn prompt_line(prompt: &str) -> Result<String> {
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        bail!("no username given (standard input is closed); use --username");
    }
    Ok(line.trim().to_string())
}

pub fn logout(session: &Session, args: LogoutArgs) -> Result<()> {
    let auth = AuthFiles::new(&session.paths, args.authfile.clone());
    if args.all {
        auth.remove_all()?;
        println!("Removed login credentials for all registries");
        return Ok(());
    }
    let key = registry_key(args.registry.as_deref())?;
    if !auth.remove(&key)? {
        bail!("not logged into {key}");
    }
    println!("Removed login credentials for {key}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_keys() {
        assert_eq!(registry_key(None).unwrap(), "docker.io");
        assert_eq!(
            registry_key(Some("https://index.docker.io/")).unwrap(),
            "docker.io"
        );
        assert_eq!(
            registry_key(Some("127.0.0.1:5000")).unwrap(),
            "127.0.0.1:5000"
        );
        assert_eq!(
            registry_key(Some("quay.io/ns/repo")).unwrap(),
            "quay.io/ns/repo"
        );
        assert!(registry_key(Some("")).is_err());
    }
}
