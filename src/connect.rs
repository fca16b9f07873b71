//! Opening a connection from a URL: the scheme picks the backend.

use cormo_core::{ConnectOptions, Connection, Error, Result};

/// Opens a connection with default pool settings.
///
/// `sqlite::memory:`, `sqlite://path.db` (created if missing),
/// `postgres://user@host/db`, `mysql://user@host/db`, `mongodb://host/db`.
/// The backend's cargo feature must be enabled.
pub async fn connect(url: &str) -> Result<Connection> {
    connect_with(ConnectOptions::new(url)).await
}

/// Opens a connection with explicit [`ConnectOptions`].
pub async fn connect_with(opts: ConnectOptions) -> Result<Connection> {
    let scheme = opts.url.split(':').next().unwrap_or_default();
    match scheme {
        "sqlite" => {
            #[cfg(feature = "sqlite")]
            return cormo_sql::sqlite::connect(&opts).await;
            #[cfg(not(feature = "sqlite"))]
            return Err(not_enabled("sqlite"));
        }
        "postgres" | "postgresql" => {
            #[cfg(feature = "postgres")]
            return cormo_sql::postgres::connect(&opts).await;
            #[cfg(not(feature = "postgres"))]
            return Err(not_enabled("postgres"));
        }
        "mysql" | "mariadb" => {
            #[cfg(feature = "mysql")]
            return cormo_sql::mysql::connect(&opts).await;
            #[cfg(not(feature = "mysql"))]
            return Err(not_enabled("mysql"));
        }
        "mongodb" | "mongodb+srv" => {
            #[cfg(feature = "mongodb")]
            return cormo_mongo::connect(&opts).await;
            #[cfg(not(feature = "mongodb"))]
            return Err(not_enabled("mongodb"));
        }
        _ => Err(Error::Connection {
            message: format!(
                "unknown database URL scheme '{scheme}'; expected sqlite, postgres, mysql or mongodb"
            ),
            source: None,
        }),
    }
}

#[allow(dead_code)]
fn not_enabled(feature: &'static str) -> Error {
    Error::Unsupported {
        backend: feature,
        feature: "connections in this build (enable the cargo feature of the same name)",
    }
}
