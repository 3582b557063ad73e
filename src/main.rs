//! The `naeringsareal` binary: `serve`, `migrate`, `seed-demo`, `openapi`,
//! `api-key` and `import`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use indicatif::{ProgressBar, ProgressStyle};
use naeringsareal::config::{DbConfig, ServerConfig};
use naeringsareal::crs::Crs;
use naeringsareal::enquiries::privacy;
use naeringsareal::error::ApiError;
use naeringsareal::http::idempotency;
use naeringsareal::keys::role::Role;
use naeringsareal::keys::store as keys;
use naeringsareal::mail::sender::SenderSettings;
use naeringsareal::plots::write::import;
use naeringsareal::router::{Shared, app, openapi_json, openapi30_json};
use naeringsareal::state::AppState;
use naeringsareal::{alerts, mail};
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
        // Boxed: the server's settings are most of the command's size.
        #[command(flatten)]
        server: Box<ServerConfig>,
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
    /// Print the OpenAPI document that the service serves: 3.1 at `/api`,
    /// or with `--version 3.0` its 3.0 form at `/api/openapi-3.0.json`.
    Openapi {
        /// The OpenAPI version.
        #[arg(long, value_enum, default_value = "3.1")]
        version: OpenapiVersion,
    },
    /// Manage API keys: make, list, revoke.
    ApiKey {
        #[command(subcommand)]
        action: KeyAction,
        #[command(flatten)]
        db: DbConfig,
    },
    /// An enquirer's data, on their request (the GDPR): export it as JSON, or
    /// erase it (their enquiries and history; their demand stays, anonymous).
    Privacy {
        #[command(subcommand)]
        action: PrivacyAction,
        #[command(flatten)]
        db: DbConfig,
    },
    /// Import plots from a GeoJSON FeatureCollection (e.g. made with ogr2ogr
    /// from a GeoPackage or Shapefile): upsert by reference, all or nothing.
    /// Every feature's problems are listed by position and reference.
    Import {
        /// The GeoJSON file; `-` reads standard input.
        file: std::path::PathBuf,
        /// The CRS of the file's coordinates, e.g.
        /// http://www.opengis.net/def/crs/EPSG/0/25832 or EPSG:25832.
        #[arg(long, default_value = naeringsareal::crs::CRS84)]
        crs: String,
        /// Check the file only; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbConfig,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum OpenapiVersion {
    #[value(name = "3.0")]
    V30,
    #[value(name = "3.1")]
    V31,
}

#[derive(Debug, Subcommand)]
enum PrivacyAction {
    /// Print everything held about the enquirer as JSON (logged as a read
    /// by `command line`).
    Export {
        /// The e-mail address they wrote from (any case).
        #[arg(long)]
        email: String,
        /// The public base URL the links start with.
        #[arg(
            long,
            env = "NAERINGSAREAL_PUBLIC_URL",
            default_value = "http://localhost:8080"
        )]
        public_url: String,
    },
    /// Erase the enquirer: the personal fields of their enquiries (which
    /// stay, anonymous), the planners' notes and mails of them, the stored
    /// answers of their retries, and the address's alerts and mails.
    Erase {
        /// The e-mail address they wrote from (any case).
        #[arg(long)]
        email: String,
    },
    /// Erase now what the service erases hourly: the personal fields of the
    /// enquiries closed longer ago than the retention time.
    EraseExpired {
        /// Days after closing.
        #[arg(long, env = "NAERINGSAREAL_ENQUIRY_RETENTION_DAYS", default_value = "365", value_parser = clap::value_parser!(u64).range(1..=3650))]
        days: u64,
    },
}

#[derive(Debug, Subcommand)]
enum KeyAction {
    /// Make a key. The key is printed once, as the last line: store it.
    Create {
        /// A name for the key (a person or a system), recorded with its writes; never reused.
        #[arg(long)]
        name: String,
        /// What the key may do.
        #[arg(long, value_enum)]
        role: Role,
    },
    /// List the keys (never the keys themselves).
    List,
    /// Revoke a key: it stops working at once.
    Revoke {
        /// The key's name.
        name: String,
    },
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
            serve(db, *server).await
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
                history = seeded.history,
                "demo data loaded"
            );
            Ok(())
        }
        Command::Openapi { version } => {
            match version {
                OpenapiVersion::V30 => print!("{}", openapi30_json()),
                OpenapiVersion::V31 => print!("{}", openapi_json()),
            }
            Ok(())
        }
        Command::ApiKey { action, db } => api_key(action, &db).await,
        Command::Privacy { action, db } => privacy(action, &db).await,
        Command::Import {
            file,
            crs,
            dry_run,
            db,
        } => import(&file, &crs, dry_run, &db).await,
    }
}

async fn privacy(action: PrivacyAction, db: &DbConfig) -> anyhow::Result<()> {
    use naeringsareal::enquiries::handlers;
    let pool = db::build_pool(db)?;
    let mut conn = pool.get().await.context("connecting to the database")?;
    match action {
        PrivacyAction::Export { email, public_url } => {
            let export = handlers::export_of(
                &mut conn,
                public_url.trim_end_matches('/'),
                &email,
                "command line",
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", serde_json::to_string_pretty(&export)?);
        }
        PrivacyAction::Erase { email } => {
            let erased = privacy::erase(&mut conn, &email)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "erased {} enquiries, {} stored answers, {} alerts and {} mails; the enquiries and their demand records stay, anonymous",
                erased.enquiries, erased.stored_answers, erased.alerts, erased.mails
            );
        }
        PrivacyAction::EraseExpired { days } => {
            let erased = privacy::erase_expired(&mut conn, days).await?;
            println!(
                "erased the personal data of {erased} enquiries closed more than {days} days ago"
            );
        }
    }
    Ok(())
}

async fn api_key(action: KeyAction, db: &DbConfig) -> anyhow::Result<()> {
    let pool = db::build_pool(db)?;
    let mut conn = pool.get().await.context("connecting to the database")?;
    match action {
        KeyAction::Create { name, role } => {
            keys::check_name(&name).map_err(anyhow::Error::msg)?;
            let (key, info) = keys::create(&mut conn, &name, role)
                .await
                .with_context(|| format!("making the key `{name}` (names are never reused)"))?;
            println!(
                "made the {} key `{}`; it is shown this once, store it now:",
                info.role.as_ref(),
                info.name
            );
            println!("{key}");
        }
        KeyAction::List => {
            for key in keys::list(&mut conn).await? {
                let state = match key.revoked_at {
                    Some(at) => format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
                    None => "valid".to_owned(),
                };
                println!(
                    "{}\t{}\tmade {}\t{state}",
                    key.name,
                    key.role.as_ref(),
                    key.created_at.format("%Y-%m-%d %H:%M")
                );
            }
        }
        KeyAction::Revoke { name } => match keys::revoke(&mut conn, &name).await? {
            Some(key) => println!("revoked `{}`", key.name),
            None => anyhow::bail!("no valid key is named `{name}`"),
        },
    }
    Ok(())
}

async fn import(
    file: &std::path::Path,
    crs: &str,
    dry_run: bool,
    db: &DbConfig,
) -> anyhow::Result<()> {
    let crs = Crs::parse(crs).map_err(anyhow::Error::msg)?;
    let (reader, size): (Box<dyn std::io::Read + Send>, u64) = if file.as_os_str() == "-" {
        (Box::new(std::io::stdin()), 0)
    } else {
        let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        (Box::new(f), size)
    };
    let bar = if size > 0 {
        ProgressBar::new(size).with_style(ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        )?)
    } else {
        ProgressBar::new_spinner()
    };
    let reader = std::io::BufReader::with_capacity(1 << 20, bar.wrap_read(reader));
    let (tx, rx) = tokio::sync::mpsc::channel(1000);
    let parser = std::thread::spawn(move || import::stream_features(reader, crs, tx));
    let pool = db::build_pool(db)?;
    let mut conn = pool.get().await.context("connecting to the database")?;
    db::postgis_version(&mut conn).await?;
    let who = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
    let options = import::ImportOptions {
        crs,
        dry_run,
        changed_by: format!("cli:{who}"),
    };
    let progress = bar.clone();
    let result = import::import(&mut conn, rx, &options, move |n| {
        progress.set_message(format!("{n} features"));
    })
    .await;
    bar.finish_and_clear();
    let _ = parser.join();
    match result {
        Ok(report) => {
            let verb = if report.dry_run {
                "would import"
            } else {
                "imported"
            };
            println!(
                "{verb} {} features: {} created, {} updated, {} unchanged",
                report.features, report.created, report.updated, report.unchanged
            );
            Ok(())
        }
        Err(ApiError::InvalidFeature(errors)) => {
            for e in &errors {
                let at = match (e.index, &e.reference) {
                    (Some(i), Some(r)) => format!("feature {i} ({r}): "),
                    (Some(i), None) => format!("feature {i}: "),
                    _ => String::new(),
                };
                eprintln!("{at}{}: {}", e.name, e.reason);
            }
            anyhow::bail!("nothing was imported: the file has problems (listed above)")
        }
        Err(ApiError::Internal(cause)) => Err(cause),
        Err(other) => Err(anyhow::anyhow!("{}", other.problem().detail)),
    }
}

async fn run_migrations(db: &DbConfig) -> anyhow::Result<()> {
    let applied = db::run_migrations(db).await?;
    tracing::info!(applied = ?applied, "database migrated");
    Ok(())
}

/// Loads, at start, the in-memory copies that the first request would
/// otherwise wait for: site matching's plots on offer and the tile cache's
/// boxes of the open plots. A failure is logged: the first request loads them.
async fn load_copies(shared: Shared) {
    let started = std::time::Instant::now();
    let loaded = match shared.state.conn().await {
        Ok(mut conn) => shared.candidates.refresh(&mut conn).await.map(drop),
        Err(e) => Err(e),
    };
    match loaded {
        Ok(()) => tracing::info!(
            plots = shared.candidates.len(),
            ms = started.elapsed().as_millis() as u64,
            "site-matching candidates loaded"
        ),
        Err(e) => tracing::warn!(error = %e, "loading the site-matching candidates failed"),
    }
    if !shared.tiles.is_on() {
        return;
    }
    let started = std::time::Instant::now();
    let loaded = match shared.state.conn().await {
        Ok(mut conn) => shared.tiles.refresh(&mut conn, false).await.map(drop),
        Err(e) => Err(e),
    };
    match loaded {
        Ok(()) => tracing::info!(
            plots = shared.tiles.plots_known(),
            ms = started.elapsed().as_millis() as u64,
            "tile cache: plot boxes loaded"
        ),
        Err(e) => tracing::warn!(error = %e, "loading the tile cache's plot boxes failed"),
    }
}

async fn serve(db: DbConfig, server: ServerConfig) -> anyhow::Result<()> {
    let pool = db::build_pool(&db)?;
    let postgis = db::check_database(&pool).await?;
    tracing::info!(%postgis, listen = %server.listen, pool_size = db.pool_size, "starting");
    let replica = db::build_replica_pool(&db)?.map(|replica| {
        let replica = Arc::new(db::replica::Replica::new(replica, db.replica_max_lag));
        db::replica::monitor(Arc::clone(&replica), pool.clone(), db.replica_check);
        tracing::info!(
            max_lag_ms = db.replica_max_lag.as_millis() as u64,
            "public reads may go to the read replica"
        );
        replica
    });
    let state = AppState {
        pool,
        replica,
        api: server.api.clone(),
        public_url: server.public_url.clone(),
    };
    let shared = Shared::from(state);
    tokio::spawn(load_copies(shared.clone()));
    tokio::spawn(db::hourly(
        shared.state.pool.clone(),
        |conn, secs| Box::pin(idempotency::purge(conn, Duration::from_secs(secs))),
        server.api.idempotency_ttl.as_secs(),
        "expired idempotency keys deleted",
    ));
    tokio::spawn(db::hourly(
        shared.state.pool.clone(),
        |conn, days| Box::pin(privacy::erase_expired(conn, days)),
        u64::from(server.api.enquiry_retention_days),
        "personal data of enquiries closed longer than the retention time erased",
    ));
    // The outbox's sender, when an SMTP server is configured; without one
    // the outbox fills (nothing is lost) and nothing is sent.
    let sender = match SenderSettings::from_config(&server.api.mail)? {
        Some(settings) => Some(mail::sender::start(
            shared.state.pool.clone(),
            settings,
            shared.mail.clone().into_inner(),
        )),
        None => {
            tracing::warn!(
                "NAERINGSAREAL_SMTP_URL is not set: mails are queued in the outbox and not sent"
            );
            None
        }
    };
    if server.api.mail.reception_email.is_none() {
        tracing::warn!(
            "NAERINGSAREAL_RECEPTION_EMAIL is not set: planners get no notice of new enquiries \
             (companies still get their confirmations)"
        );
    }
    // Alerts: plots that came to meet saved needs, judged after the write.
    let base = server
        .public_url
        .as_ref()
        .map_or_else(|| format!("http://{}", server.listen), |u| u.to_string());
    let watcher = alerts::watch::start(shared.state.pool.clone(), base, server.api.mail.alert_poll);
    let mut http = actix_web::HttpServer::new(move || app(shared.clone()))
        .shutdown_timeout(30)
        .bind(server.listen)
        .with_context(|| format!("listening on {}", server.listen))?;
    if let Some(workers) = server.workers {
        http = http.workers(workers.get());
    }
    // actix-web stops gracefully on SIGINT and SIGTERM by itself.
    let served = http.run().await.context("running the HTTP server");
    // After the last request: the mail under way is sent and marked first.
    watcher.stop().await;
    if let Some(sender) = sender {
        sender.stop().await;
    }
    served?;
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
        assert_eq!(db.pool_timeout, Duration::from_millis(250));
        assert_eq!(server.api.count_limit, 0);
        assert_eq!(server.api.max_in_flight.get(), 256);
        assert!(server.api.metrics);
        assert!(!migrate);
        assert!(
            Cli::try_parse_from(["naeringsareal", "serve", "--pool-timeout-ms", "2s"]).is_err()
        );
        let Command::Serve { server, .. } =
            Cli::try_parse_from(["naeringsareal", "serve", "--metrics", "off"])
                .unwrap()
                .command
        else {
            panic!("not serve");
        };
        assert!(!server.api.metrics);
        for bad in [["--metrics", "yes"], ["--max-in-flight", "0"]] {
            let args = ["naeringsareal", "serve", bad[0], bad[1]];
            assert!(Cli::try_parse_from(args).is_err(), "{bad:?}");
        }
    }
}
