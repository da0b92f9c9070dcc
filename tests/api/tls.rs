//! TLS to PostgreSQL through the libpq and OpenSSL built into the binary: `sslmode=require`
//! encrypts, and `verify-full` checks the server's certificate against `sslrootcert` and its name.
//!
//! Built to run where `BAOXIAO_TEST_DATABASE_URL` names a PostgreSQL server and the root
//! certificate is present (`build.rs`, cfg `no_tls`; elsewhere they are ignored, with the
//! reason). The server must have TLS on (`ssl = on`); `BAOXIAO_TEST_PG_ROOTCERT` names the
//! certificate that signed the server's (default: Debian's snakeoil certificate, which is its own
//! root, for the name `localhost`). Built to run, a test that finds TLS missing fails.

use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::helpers::POSTGRES_ENV;

const ROOTCERT: &str = "BAOXIAO_TEST_PG_ROOTCERT";

#[track_caller]
fn missing(what: &str) {
    panic!("TLS to PostgreSQL cannot be checked: {what}");
}

fn server_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if url.starts_with("postgres") => Some(url),
        _ => {
            missing(&format!("{POSTGRES_ENV} names no PostgreSQL server"));
            None
        }
    }
}

/// The server URL with `params` as its only query parameters.
fn with_params(url: &str, params: &str) -> String {
    let base = url.split_once('?').map_or(url, |(b, _)| b);
    format!("{base}?{params}")
}

#[derive(QueryableByName)]
struct Ssl {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

/// Connects through the service's own pool and asks the server whether this session is encrypted.
fn encrypted(url: &str) -> Result<bool, String> {
    let pool = baoxiao::db::pool(url, 1, 1000).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let baoxiao::db::DbConnection::Postgres(pg) = &mut *conn else {
        return Err("not PostgreSQL".into());
    };
    diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result::<Ssl>(pg)
        .map(|r| r.ssl)
        .map_err(|e| e.to_string())
}

/// Why libpq refuses to connect (the pool would retry for its whole timeout); empty if it connects.
fn refusal(url: &str) -> String {
    baoxiao::db::connect_postgres(url)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

#[test]
#[cfg_attr(
    no_tls,
    ignore = "needs BAOXIAO_TEST_DATABASE_URL and the server's root certificate"
)]
fn sslmode_require_gives_an_encrypted_session() {
    let Some(url) = server_url() else { return };
    match encrypted(&with_params(&url, "sslmode=require")) {
        Ok(ssl) => assert!(ssl, "sslmode=require but the session is not encrypted"),
        Err(e)
            if e.contains("SSL is not enabled on the server")
                || e.contains("does not support SSL") =>
        {
            missing(&format!("the server has no TLS: {e}"))
        }
        Err(e) => panic!("sslmode=require failed: {e}"),
    }
    // Whatever the suite's URL says, the suite's own sessions are encrypted when it asks for it.
    if url.contains("sslmode=require") || url.contains("sslmode=verify") {
        assert_eq!(encrypted(&url), Ok(true));
    }
}

#[test]
#[cfg_attr(
    no_tls,
    ignore = "needs BAOXIAO_TEST_DATABASE_URL and the server's root certificate"
)]
fn verify_full_checks_the_certificate_and_the_host_name() {
    let Some(url) = server_url() else { return };
    let rootcert =
        std::env::var(ROOTCERT).unwrap_or_else(|_| "/etc/ssl/certs/ssl-cert-snakeoil.pem".into());
    if !std::path::Path::new(&rootcert).is_file() {
        return missing(&format!(
            "no root certificate at {rootcert} (set {ROOTCERT})"
        ));
    }
    // The certificate names `localhost`: connect by that name, and by the address as a check
    // that a name the certificate does not carry is refused.
    let by_name = url.replacen("@127.0.0.1", "@localhost", 1);
    let params = format!("sslmode=verify-full&sslrootcert={rootcert}");
    match encrypted(&with_params(&by_name, &params)) {
        Ok(ssl) => assert!(ssl),
        Err(e) => return missing(&format!("verify-full by the name localhost failed: {e}")),
    }
    let by_address = by_name.replacen("@localhost", "@127.0.0.1", 1);
    let refused = refusal(&with_params(&by_address, &params));
    assert!(
        refused.contains("does not match host name"),
        "verify-full accepted a certificate for another name: {refused:?}"
    );
    // A root that did not sign the server's certificate is refused as well.
    let stranger = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(stranger.path(), STRANGER_ROOT).unwrap();
    let params = format!(
        "sslmode=verify-full&sslrootcert={}",
        stranger.path().display()
    );
    let refused = refusal(&with_params(&by_name, &params));
    assert!(
        refused.contains("certificate verify failed"),
        "verify-full trusted an unrelated root: {refused}"
    );
}

/// A self-signed certificate of no server: as `sslrootcert`, nothing it did not sign is trusted.
const STRANGER_ROOT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIBoTCCAUegAwIBAgIUfxBLedGrxyqzZtnpaTajpXXkCdIwCgYIKoZIzj0EAwIw\n\
JTEjMCEGA1UEAwwaYmFveGlhbyB0ZXN0IHN0cmFuZ2VyIHJvb3QwIBcNMjYxMTI2\n\
MDc0NzAyWhgPMjEyNjExMDIwNzQ3MDJaMCUxIzAhBgNVBAMMGmJhb3hpYW8gdGVz\n\
dCBzdHJhbmdlciByb290MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEyKq2dTxq\n\
rTtV3CUtK8/qNOBFAgg+mQ3xGKeWKLkDD2F7U5IcIClLmxOh55R2+eXRpFYVBN2P\n\
xEaZXKo4A3v//aNTMFEwHQYDVR0OBBYEFIiZ+dX7Nx4sW6OJxLN3Vilc6h4vMB8G\n\
A1UdIwQYMBaAFIiZ+dX7Nx4sW6OJxLN3Vilc6h4vMA8GA1UdEwEB/wQFMAMBAf8w\n\
CgYIKoZIzj0EAwIDSAAwRQIhALiGOwklrHXhcBP9gSfpqDLBKeywEdamzo6xqbPB\n\
GPDuAiAgnkrEu6rPasHLJ5hVswpsShhU8lBHQf53YlDD0wbY3Q==\n\
-----END CERTIFICATE-----\n\
";
