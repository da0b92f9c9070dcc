//! Building and running the server: pool, start-up preparation, middleware, routes.

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use actix_http::{HttpService, KeepAlive, Protocol, ServiceConfig};
use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactoryExt};
use actix_web::dev::{AppConfig, Server};
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::rt::net::TcpStream;
use actix_web::{web, App};
use actix_web_prom::PrometheusMetricsBuilder;
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Settings;
use crate::db::{self, Pool};
use crate::http1;
use crate::routes::{self, idempotency::Retention};
use crate::setup;

pub struct Application {
    server: Server,
    port: u16,
    /// Where people open the web app: the configured `public_url`, or, when it is left at its
    /// default, the address this start actually bound (`--bind 127.0.0.1:18090` is port 18090).
    pub public_url: String,
    pub pool: Pool,
    /// The first admin's token, when this start created it.
    pub admin_token: Option<String>,
    /// Where this start wrote that token (`admin.token` in the data directory, mode 0600).
    pub admin_token_file: Option<std::path::PathBuf>,
    /// The first admin's web password (login `admin`), when this start created it.
    pub admin_password: Option<String>,
    pub loaded_default_data: bool,
}

/// The configured `public_url` without its trailing `/`; left at its default, the bound address
/// instead (a wildcard bind is opened on this machine as 127.0.0.1).
fn public_url(web: &crate::config::WebSettings, bound: std::net::SocketAddr) -> String {
    let configured = web.public_url.trim_end_matches('/');
    if configured != crate::config::WebSettings::default().public_url {
        return configured.to_string();
    }
    let host = match bound.ip() {
        ip if ip.is_unspecified() => std::net::IpAddr::from([127, 0, 0, 1]),
        ip => ip,
    };
    format!("http://{}", std::net::SocketAddr::new(host, bound.port()))
}

pub type StartError = Box<dyn std::error::Error + Send + Sync>;

impl Application {
    /// Connects, migrates, loads the default data into an empty database, creates the first
    /// admin and writes its token file, and binds the listener.
    pub fn build(settings: &Settings) -> Result<Application, StartError> {
        let pool = db::pool(
            &settings.database.url,
            settings.database.pool_size,
            settings.database.busy_timeout_ms,
        )?;
        let prepared = setup::prepare(&pool, Path::new(&settings.app.default_data_dir), true)
            .map_err(|e| format!("start-up failed: {e}"))?;
        // R20: payments recorded before vouchers were written get theirs, right after the
        // migrations that made the voucher tables.
        let backfilled = crate::services::vouchers::backfill(&pool)
            .map_err(|e| format!("start-up failed: vouchers of earlier payments: {e}"))?;
        if backfilled > 0 {
            tracing::info!(
                vouchers = backfilled,
                "booked the vouchers of earlier payments"
            );
        }
        let admin_token_file = match &prepared.admin_token {
            Some(token) => Some(setup::write_token_file(
                Path::new(&settings.app.data_dir),
                token,
            )?),
            None => None,
        };
        let admin_password = match &prepared.admin_token {
            Some(token) => Some(
                crate::services::sign_in::ensure_admin_login(&pool, token)
                    .map_err(|e| format!("first admin's login: {e}"))?,
            ),
            None => None,
        };
        let listener = TcpListener::bind(&settings.server.bind)?;
        let bound = listener.local_addr()?;
        let public_url = public_url(&settings.web, bound);
        let server = run(listener, pool.clone(), settings)?;
        Ok(Application {
            server,
            port: bound.port(),
            public_url,
            pool,
            admin_token: prepared.admin_token,
            admin_token_file,
            admin_password,
            loaded_default_data: prepared.loaded_default_data,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT, then finishes the requests in flight (graceful shutdown).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn run(listener: TcpListener, pool: Pool, settings: &Settings) -> Result<Server, StartError> {
    let prometheus = PrometheusMetricsBuilder::new("baoxiao")
        .registry(crate::metrics::registry())
        .endpoint("/metrics")
        // Paths no route matched share one label: unknown paths cannot grow the metrics.
        .mask_unmatched_patterns("unmatched")
        .build()
        .map_err(|e| format!("metrics: {e}"))?;
    let pool = web::Data::new(pool);
    let retention = web::Data::new(Retention(settings.app.idempotency_retention_hours));
    let margin = web::Data::new(crate::services::clock::PaymentMargin(
        settings.app.paid_on_max_days_ahead,
    ));
    let web_config = web::Data::new(crate::web::WebConfig::from_settings(&settings.web));
    let trusted_proxies = web::Data::new(routes::extract::TrustedProxies::parse(
        &settings.server.trusted_proxies,
    )?);
    let site_origin = web::Data::new(crate::web::session::SiteOrigin::of(&public_url(
        &settings.web,
        listener.local_addr()?,
    )));
    let app = move || {
        let app = App::new()
            .wrap(from_fn(routes::bounded_by_the_database))
            .wrap(ErrorHandlers::new().default_handler(routes::problem_for_others))
            .wrap(prometheus.clone())
            .wrap(TracingLogger::<routes::request_log::RequestSpan>::new())
            .wrap(from_fn(routes::only_known_methods))
            .app_data(pool.clone())
            .app_data(retention.clone())
            .app_data(margin.clone())
            .app_data(web_config.clone())
            .app_data(trusted_proxies.clone())
            .app_data(site_origin.clone())
            .app_data(web::QueryConfig::default().error_handler(routes::query_error))
            .app_data(web::PathConfig::default().error_handler(routes::path_error));
        // Health and /api/v1, with the OpenAPI document of exactly those routes.
        let (app, openapi) = routes::documented(app);
        app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", openapi))
            .service(web::redirect("/docs", "/docs/"))
            .configure(crate::web::pages)
            .default_service(web::to(routes::not_found))
    };
    // What `actix_web::HttpServer::listen` builds, with its defaults, except that each connection
    // goes through `http1::CheckedStream`: actix-http answers a malformed or oversized request
    // head itself, with an empty body; the stream answers it as problem+json instead.
    let local_addr = listener.local_addr()?;
    let mut server = actix_server::Server::build().shutdown_timeout(30);
    if settings.server.workers > 0 {
        server = server.workers(settings.server.workers);
    }
    let shutdown = server.graceful_shutdown_signal();
    let server = server.listen("baoxiao", listener, move || {
        let shutdown = shutdown.clone();
        let decoding = ServiceConfig::default();
        let app = app().into_factory().map_err(|error| error.error_response());
        fn_service(move |io: TcpStream| {
            let decoding = decoding.clone();
            async move {
                let peer_addr = io.peer_addr().ok();
                let io = http1::CheckedStream::new(io, decoding);
                Ok((io, Protocol::Http1, peer_addr))
            }
        })
        .and_then(
            HttpService::build()
                // Idle keep-alive connections close at once on SIGTERM, as with `HttpServer`.
                .graceful_shutdown_signal(move || {
                    let shutdown = shutdown.clone();
                    async move { shutdown.notified().await }
                })
                .keep_alive(KeepAlive::default())
                .client_request_timeout(Duration::from_secs(5))
                .client_disconnect_timeout(Duration::from_secs(1))
                .h1_allow_half_closed(true)
                .local_addr(local_addr)
                // `AppConfig::new` is private; the default only differs in the host name used
                // for a request with no `Host` header (HTTP/1.0).
                .finish(map_config(app, |_| AppConfig::default())),
        )
    })?;
    Ok(server.run())
}

#[cfg(test)]
mod tests {
    use super::public_url;
    use crate::config::WebSettings;

    #[test]
    fn the_sign_in_address_is_the_bound_one_unless_configured() {
        let default = WebSettings::default();
        let at = |a: &str| a.parse().unwrap_or_else(|e| panic!("{a}: {e}"));
        assert_eq!(
            public_url(&default, at("127.0.0.1:18090")),
            "http://127.0.0.1:18090"
        );
        assert_eq!(
            public_url(&default, at("0.0.0.0:8080")),
            "http://127.0.0.1:8080"
        );
        assert_eq!(public_url(&default, at("[::1]:9000")), "http://[::1]:9000");
        let configured = WebSettings {
            public_url: "https://baoxiao.example.gov.cn/".into(),
            ..WebSettings::default()
        };
        assert_eq!(
            public_url(&configured, at("0.0.0.0:8080")),
            "https://baoxiao.example.gov.cn"
        );
    }
}
