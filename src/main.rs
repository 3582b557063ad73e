//! The `naeringsareal` binary: `serve`, `migrate`, `seed-demo` and `openapi`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use naeringsareal::app::{AppState, app, openapi_json};
use naeringsareal::config::{DbConfig, ServerConfig};
use naeringsareal::{db, demo};

// mimalloc instead of the system allocator: building a page allocates a
// string per property of every plot, and glibc's malloc and free took a
// fifth of the server's CPU under load (perf, 1M plots, Drammen bbox page).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Næringsareal: the registry of available business land, served as
/// OGC API – Features and GeoJSON from PostGIS.
#[derive(Debug, Parser)]
#[command(version, about, long_about)]
struct Cli {
    /// Log lines as JSON (for log collectors) instead of text.
    #[arg(long, env = "NAERINGSAREAL_LOG_JSON", global = true)]
    log_json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service. Checks that the database is migrated and has
    /// PostGIS 3 first; stops gracefully on SIGINT/SIGTERM, finishing the
    /// requests under way.
    Serve {
        #[command(flatten)]
        db: DbConfig,
        #[command(flatten)]
        server: ServerConfig,
        /// Apply pending migrations before serving.
        #[arg(long)]
        migrate: bool,
    },
    /// Create the PostGIS extension and the registry's tables, or bring them
    /// up to date. Safe to run again, and from several replicas at once (an
    /// advisory lock serialises them).
    Migrate {
        #[command(flatten)]
        db: DbConfig,
    },
    /// Load the demo data set: fictional plots around Drammen and the
    /// reference places (port, rail terminal, motorway junctions, stations)
    /// that access distances are computed from. Idempotent: a second run
    /// changes nothing.
    SeedDemo {
        #[command(flatten)]
        db: DbConfig,
    },
    /// Print the OpenAPI document that the service serves at `/api`.
    Openapi,
}

fn init_logging(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_json);
    match cli.command {
        Command::Serve {
            db,
            server,
            migrate,
        } => {
            if migrate {
                run_migrations(&db).await?;
            }
            serve(db, server).await
        }
        Command::Migrate { db } => run_migrations(&db).await,
        Command::SeedDemo { db } => {
            let pool = db::build_pool(&db)?;
            let mut conn = pool.get().await.context("connecting to the database")?;
            db::postgis_version(&mut conn).await?;
            let seeded = demo::seed(&mut conn).await?;
            tracing::info!(
                reference_places = seeded.reference_places,
                plots = seeded.plots,
                "demo data loaded"
            );
            Ok(())
        }
        Command::Openapi => {
            print!("{}", openapi_json());
            Ok(())
        }
    }
}

async fn run_migrations(db: &DbConfig) -> anyhow::Result<()> {
    let applied = db::run_migrations(db).await?;
    tracing::info!(applied = ?applied, "database migrated");
    Ok(())
}

async fn serve(db: DbConfig, server: ServerConfig) -> anyhow::Result<()> {
    let pool = db::build_pool(&db)?;
    let postgis = db::check_database(&pool).await?;
    tracing::info!(%postgis, listen = %server.listen, pool_size = db.pool_size, "starting");
    let state = AppState {
        pool,
        api: server.api.clone(),
        public_url: server.public_url.clone(),
    };
    let mut http = actix_web::HttpServer::new(move || app(state.clone()))
        .shutdown_timeout(30)
        .bind(server.listen)
        .with_context(|| format!("listening on {}", server.listen))?;
    if let Some(workers) = server.workers {
        http = http.workers(workers.get());
    }
    // actix-web stops gracefully on SIGINT and SIGTERM by itself.
    http.run().await.context("running the HTTP server")?;
    tracing::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_takes_its_settings_from_flags() {
        let cli = Cli::try_parse_from([
            "naeringsareal",
            "serve",
            "--listen",
            "0.0.0.0:9000",
            "--pool-timeout-ms",
            "250",
            "--count-limit",
            "0",
        ])
        .unwrap();
        let Command::Serve {
            db,
            server,
            migrate,
        } = cli.command
        else {
            panic!("not serve");
        };
        assert_eq!(server.listen.port(), 9000);
        assert_eq!(db.pool_timeout, std::time::Duration::from_millis(250));
        assert_eq!(server.api.count_limit, 0);
        assert!(!migrate);
        assert!(
            Cli::try_parse_from(["naeringsareal", "serve", "--pool-timeout-ms", "2s"]).is_err()
        );
    }
}
