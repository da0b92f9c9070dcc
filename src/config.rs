//! Settings: `config/default.toml` (built in, so the binary runs anywhere), then the same file and
//! `config/local.toml` from the working directory, then `BAOXIAO__SECTION__KEY` variables, then
//! `DATABASE_URL`.

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub app: AppSettings,
    #[serde(default)]
    pub web: WebSettings,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ServerSettings {
    pub bind: String,
    pub workers: usize,
    /// The reverse proxies (IP addresses or CIDR ranges) whose `X-Forwarded-For` or `Forwarded`
    /// header names the client. From any other peer those headers are ignored and the client is
    /// the peer itself. Empty by default.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    pub busy_timeout_ms: u32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AppSettings {
    pub data_dir: String,
    pub default_data_dir: String,
    pub idempotency_retention_hours: i64,
    pub log_format: String,
    /// How many days after the organisation's today a payment date (`paid_on`) may lie.
    #[serde(default = "default_paid_on_max_days_ahead")]
    pub paid_on_max_days_ahead: i64,
}

fn default_paid_on_max_days_ahead() -> i64 {
    30
}

/// The web pages (web.md "Signing in").
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct WebSettings {
    /// The address people open; an `https://` one (in any case) makes the session cookie
    /// `Secure`.
    pub public_url: String,
    /// A session ends after this many hours without a request.
    pub session_idle_hours: i64,
    /// A session ends this many days after sign-in, used or not.
    pub session_absolute_days: i64,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            public_url: "http://127.0.0.1:8080".into(),
            session_idle_hours: 8,
            session_absolute_days: 7,
        }
    }
}

impl WebSettings {
    /// Whether people open the pages over HTTPS: the scheme of `public_url`, which is
    /// case-insensitive (`HTTPS://` is `https://`).
    pub fn is_https(&self) -> bool {
        let url = self.public_url.trim_start();
        url.get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }
}

pub fn load() -> Result<Settings, config::ConfigError> {
    let mut builder = Config::builder()
        .add_source(File::from_str(
            include_str!("../config/default.toml"),
            FileFormat::Toml,
        ))
        .add_source(File::with_name("config/default").required(false))
        .add_source(File::with_name("config/local").required(false))
        .add_source(
            Environment::with_prefix("BAOXIAO")
                .prefix_separator("__")
                .separator("__")
                // BAOXIAO__SERVER__TRUSTED_PROXIES="10.0.0.5,10.1.0.0/16"
                .list_separator(",")
                .with_list_parse_key("server.trusted_proxies")
                .try_parsing(true),
        );
    if let Ok(url) = std::env::var("DATABASE_URL") {
        if !url.trim().is_empty() {
            builder = builder.set_override("database.url", url)?;
        }
    }
    builder.build()?.try_deserialize()
}

#[cfg(test)]
mod web_settings_tests {
    use super::WebSettings;

    #[test]
    fn the_scheme_of_the_public_url_is_read_in_any_case() {
        let at = |url: &str| WebSettings {
            public_url: url.into(),
            ..WebSettings::default()
        };
        for https in [
            "https://baoxiao.example.gov.cn",
            "HTTPS://baoxiao.example.gov.cn",
            "Https://baoxiao.example.gov.cn/",
            "hTtPs://x",
        ] {
            assert!(at(https).is_https(), "{https}");
        }
        for plain in [
            "http://127.0.0.1:8080",
            "HTTP://x",
            "https:/x",
            "",
            "ftp://x",
        ] {
            assert!(!at(plain).is_https(), "{plain}");
        }
    }
}
