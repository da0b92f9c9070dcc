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
}

#[derive(Clone, Debug, Deserialize)]
pub struct ServerSettings {
    pub bind: String,
    pub workers: usize,
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
                .separator("__"),
        );
    if let Ok(url) = std::env::var("DATABASE_URL") {
        if !url.trim().is_empty() {
            builder = builder.set_override("database.url", url)?;
        }
    }
    builder.build()?.try_deserialize()
}
