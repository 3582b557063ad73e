//! Bulk import of a GeoJSON FeatureCollection: upsert by reference, all or
//! nothing, every feature's problems reported by position and reference, or
//! a dry run that only validates. The file is read as a stream, one feature
//! at a time, and written in batches, so memory does not grow with its size.
//! The CLI (`naeringsareal import`) and the API (`POST
//! /collections/plots/import`) share this code.

use std::collections::HashMap;
use std::io::Read;

use actix_web::{HttpRequest, HttpResponse, post, web};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use tokio::sync::mpsc;
use utoipa::ToSchema;

use super::edit::land_use_list;
use super::input::{PlotInput, check_feature, check_geometry_shape, check_transition};
use super::writes;
use crate::crs::Crs;
use crate::error::{ApiError, FieldError, Problem};
use crate::http::body::{check_content_type, content_crs, read_body};
use crate::http::caller::Planner;
use crate::http::idempotency::{Idempotency, IdempotencyKeyHeader, Reply, Scope};
use crate::http::params::QueryParams;
use crate::http::{media, problems};
use crate::plots::codes::Status;
use crate::state::AppState;

/// Features validated and written per round trip.
const BATCH: usize = 1000;
/// Problems listed in full; past this they are counted.
const MAX_LISTED: usize = 1000;

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportReport {
    /// Features in the file.
    pub features: usize,
    /// Plots added (references the register did not have).
    pub created: usize,
    /// Plots changed.
    pub updated: usize,
    /// Plots already exactly as in the file (no new version).
    pub unchanged: usize,
    /// True when nothing was written: the file was only checked.
    pub dry_run: bool,
}

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The CRS of the file's coordinates.
    pub crs: Crs,
    /// Check only; write nothing.
    pub dry_run: bool,
    /// Who the history records as the author.
    pub changed_by: String,
}

/// Why the transaction ends without committing.
enum Abort {
    Api(ApiError),
    DryRun(ImportReport),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Self::Api(e.into())
    }
}

impl From<ApiError> for Abort {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

/// The problems found so far: the first [`MAX_LISTED`] in full.
#[derive(Default)]
struct Problems {
    listed: Vec<FieldError>,
    more: usize,
}

impl Problems {
    fn add(&mut self, error: FieldError) {
        if self.listed.len() < MAX_LISTED {
            self.listed.push(error);
        } else {
            self.more += 1;
        }
    }

    fn into_error(mut self) -> Option<ApiError> {
        if self.listed.is_empty() {
            return None;
        }
        if self.more > 0 {
            self.listed.push(FieldError::new(
                "features",
                format!("{} more problems are not listed", self.more),
            ));
        }
        Some(ApiError::InvalidFeature(self.listed))
    }
}

/// Imports the features that arrive on `features` (an `Err` is a fault in
/// the file itself, which stops the import). `progress` hears how many
/// features are done after each batch.
pub async fn import(
    conn: &mut AsyncPgConnection,
    features: mpsc::Receiver<Result<Value, String>>,
    options: &ImportOptions,
    progress: impl Fn(usize) + Send + Sync,
) -> Result<ImportReport, ApiError> {
    let outcome = conn
        .transaction(async |conn| {
            let report = import_in(conn, features, options, progress).await?;
            if options.dry_run {
                return Err(Abort::DryRun(report));
            }
            Ok(report)
        })
        .await;
    match outcome {
        Ok(report) | Err(Abort::DryRun(report)) => Ok(report),
        Err(Abort::Api(error)) => Err(error),
    }
}

/// [`import`] in the caller's transaction, which a dry run must roll back.
async fn import_in(
    conn: &mut AsyncPgConnection,
    mut features: mpsc::Receiver<Result<Value, String>>,
    options: &ImportOptions,
    progress: impl Fn(usize) + Send + Sync,
) -> Result<ImportReport, Abort> {
    writes::set_changed_by(conn, &options.changed_by).await?;
    let land_uses = land_use_list(conn).await?;
    let mut run = Run {
        options,
        land_uses,
        seen: HashMap::new(),
        problems: Problems::default(),
        report: ImportReport {
            dry_run: options.dry_run,
            ..ImportReport::default()
        },
    };
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(item) = features.recv().await {
        let feature = item.map_err(|reason| ApiError::invalid("file", reason))?;
        batch.push((run.report.features, feature));
        run.report.features += 1;
        if batch.len() == BATCH {
            run.batch(conn, std::mem::take(&mut batch)).await?;
            progress(run.report.features);
        }
    }
    run.batch(conn, batch).await?;
    progress(run.report.features);
    match run.problems.into_error() {
        Some(error) => Err(Abort::Api(error)),
        None => Ok(run.report),
    }
}

struct Run<'a> {
    options: &'a ImportOptions,
    land_uses: Vec<i32>,
    /// Each reference seen so far, with the feature that had it.
    seen: HashMap<String, usize>,
    problems: Problems,
    report: ImportReport,
}

impl Run<'_> {
    async fn batch(
        &mut self,
        conn: &mut AsyncPgConnection,
        batch: Vec<(usize, Value)>,
    ) -> Result<(), Abort> {
        let crs = self.options.crs;
        let reference_of = |f: &Value| {
            f.pointer("/properties/reference")
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        // Properties first, then every well-formed boundary in one query.
        let mut inputs: Vec<(usize, PlotInput)> = Vec::with_capacity(batch.len());
        let mut shaped: Vec<(usize, Option<String>, &Value)> = Vec::new();
        for (index, feature) in &batch {
            let reference = reference_of(feature);
            match check_feature(feature, &self.land_uses) {
                Ok(input) => inputs.push((*index, input)),
                Err(errors) => {
                    for e in errors {
                        self.problems
                            .add(e.of_feature(*index, reference.as_deref()));
                    }
                }
            }
            if let Some(g) = feature
                .get("geometry")
                .filter(|g| check_geometry_shape(g).is_ok())
            {
                shaped.push((*index, reference, g));
            }
        }
        let geometries: Vec<&Value> = shaped.iter().map(|(_, _, g)| *g).collect();
        let mut bad_boundary = Vec::new();
        for (at, problem) in writes::check_boundaries(conn, &geometries, crs).await? {
            let (index, reference, _) = &shaped[at];
            self.problems
                .add(FieldError::new("geometry", problem).of_feature(*index, reference.as_deref()));
            bad_boundary.push(*index);
        }
        inputs.retain(|(index, _)| !bad_boundary.contains(index));
        // A reference twice in one file would be written twice.
        inputs.retain(|(index, input)| match self.seen.get(input.reference()) {
            Some(first) => {
                self.problems.add(
                    FieldError::new(
                        "properties.reference",
                        format!(
                            "{} is also the reference of feature {first}",
                            input.reference()
                        ),
                    )
                    .of_feature(*index, Some(input.reference())),
                );
                false
            }
            None => {
                self.seen.insert(input.reference().to_owned(), *index);
                true
            }
        });
        // Plots already on the register: no ended ones, sensible transitions.
        let references: Vec<&str> = inputs.iter().map(|(_, i)| i.reference()).collect();
        let existing: HashMap<String, writes::Current> = writes::lock_references(conn, &references)
            .await?
            .into_iter()
            .map(|c| (c.reference.clone(), c))
            .collect();
        inputs.retain(|(index, input)| {
            let Some(current) = existing.get(input.reference()) else {
                return true;
            };
            let problem = if let Some(ended) = current.ended_at {
                Some(FieldError::new(
                    "properties.reference",
                    format!(
                        "plot {} ended on {}; an ended plot is not imported again (give the new plot a new reference)",
                        current.reference,
                        ended.date_naive()
                    ),
                ))
            } else {
                current
                    .status
                    .parse::<Status>()
                    .ok()
                    .and_then(|from| check_transition(from, input.status()).err())
                    .map(|reason| FieldError::new("properties.status", reason))
            };
            match problem {
                Some(p) => {
                    self.problems.add(p.of_feature(*index, Some(input.reference())));
                    false
                }
                None => true,
            }
        });
        // Write what passed (rolled back at the end if anything failed, or in
        // a dry run), so that the computed values can be compared.
        let to_write: Vec<&PlotInput> = inputs.iter().map(|(_, i)| i).collect();
        let written = writes::insert(conn, &to_write, crs, true).await?;
        let by_reference: HashMap<&str, &writes::Written> =
            written.iter().map(|w| (w.reference.as_str(), w)).collect();
        for (index, input) in &inputs {
            let Some(w) = by_reference.get(input.reference()) else {
                continue;
            };
            for e in w.mismatches(input) {
                self.problems
                    .add(e.of_feature(*index, Some(input.reference())));
            }
            match existing.get(input.reference()) {
                None => self.report.created += 1,
                Some(before) if before.version != w.version => self.report.updated += 1,
                Some(_) => self.report.unchanged += 1,
            }
        }
        Ok(())
    }
}

/// Reads a GeoJSON FeatureCollection from `reader` and sends its features,
/// one at a time, to `tx` (blocking: run it on a thread of its own). A
/// fault in the file is sent as an `Err` and ends the reading; so does a
/// closed channel (the import stopped). A `crs` member naming another CRS
/// than `crs` is a fault.
pub fn stream_features(reader: impl Read, crs: Crs, tx: mpsc::Sender<Result<Value, String>>) {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let result = Collection { tx: &tx, crs }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if let Err(e) = result
        && !tx.is_closed()
    {
        let _ = tx.blocking_send(Err(format!(
            "is not a GeoJSON FeatureCollection that can be read: {e}"
        )));
    }
}

struct Collection<'a> {
    tx: &'a mpsc::Sender<Result<Value, String>>,
    crs: Crs,
}

impl<'de> DeserializeSeed<'de> for Collection<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Collection<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a GeoJSON FeatureCollection object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut features = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => {
                    let kind: String = map.next_value()?;
                    if kind != "FeatureCollection" {
                        return Err(A::Error::custom(format!(
                            "its type is `{kind}`, not FeatureCollection"
                        )));
                    }
                }
                "crs" => {
                    let member: Value = map.next_value()?;
                    let name = member
                        .pointer("/properties/name")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let said = Crs::parse(name).map_err(A::Error::custom)?;
                    // GeoJSON files say EPSG:4326 but hold longitude first.
                    let said = if said.srid == 4326 { Crs::CRS84 } else { said };
                    let expected = if self.crs.srid == 4326 {
                        Crs::CRS84
                    } else {
                        self.crs
                    };
                    if said != expected {
                        return Err(A::Error::custom(format!(
                            "the file says its CRS is {said}; import it with that CRS (--crs or Content-Crs), \
                             or convert it: ogr2ogr -t_srs EPSG:4326 -lco RFC7946=YES"
                        )));
                    }
                }
                "features" => {
                    map.next_value_seed(Features { tx: self.tx })?;
                    features = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if features {
            Ok(())
        } else {
            Err(A::Error::custom("it has no `features` member"))
        }
    }
}

struct Features<'a> {
    tx: &'a mpsc::Sender<Result<Value, String>>,
}

impl<'de> DeserializeSeed<'de> for Features<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Features<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(feature) = seq.next_element::<Value>()? {
            if self.tx.blocking_send(Ok(feature)).is_err() {
                return Err(A::Error::custom("the import stopped"));
            }
        }
        Ok(())
    }
}

/// Imports a GeoJSON FeatureCollection (a planner's GIS export): upserts
/// every plot by its reference, all or nothing. Every feature's problems
/// are reported with its position and reference. `dry_run=true` only checks.
/// Coordinates are CRS84 unless `Content-Crs` says otherwise.
#[utoipa::path(
    tag = "Plots",
    security(("api_key" = [])),
    request_body(content = Object, content_type = "application/geo+json", description = "A GeoJSON FeatureCollection of plots"),
    params(
        ("dry_run" = Option<bool>, Query, description = "Only check the file; write nothing"),
        ("Content-Crs" = Option<String>, Header, description = "CRS of the coordinates; CRS84 by default"),
        IdempotencyKeyHeader,
    ),
    responses(
        (status = 200, description = "Imported (or, in a dry run, valid; or, for a retry with the same `Idempotency-Key`, the first import's report)", body = ImportReport,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the first answer to an earlier request with the same `Idempotency-Key`"))),
        (status = 400, description = "Some features are not valid: nothing was written; `errors` lists each problem with the feature's `index` and `reference`", body = Problem, content_type = "application/problem+json"),
        problems::ForPlanners,
        problems::Idempotent,
        (status = 413, description = "The body is too large (use the CLI for large files)", body = Problem, content_type = "application/problem+json"),
        problems::NotGeoJson,
        problems::Unavailable,
    )
)]
#[post("/collections/plots/import")]
pub async fn import_plots(
    req: HttpRequest,
    Planner(who): Planner,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut params = QueryParams::parse(req.query_string());
    let dry_run = params
        .parsed("dry_run", |v| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!("must be true or false, got `{v}`")),
        })
        .unwrap_or(false);
    params.finish(&["dry_run"])?;
    check_content_type(&req, &[media::GEOJSON, media::JSON])?;
    let crs = content_crs(&req)?;
    let body = read_body(&req, payload, state.api.max_import_bytes)
        .await?
        .freeze();
    let idempotency = Idempotency::of(&req, Scope::Key(&who), &body, state.api.idempotency_ttl)?;
    let (tx, rx) = mpsc::channel(BATCH);
    let options = ImportOptions {
        crs,
        dry_run,
        changed_by: who.clone(),
    };
    let mut conn = state.conn().await?;
    let mut reader = None;
    let outcome = conn
        .transaction(async |conn| {
            if let Some(first) = idempotency.replay(conn).await? {
                return Ok(first);
            }
            // The file is read only now: a retry that is answered from
            // the stored report does not parse it again.
            reader = Some(tokio::task::spawn_blocking(move || {
                stream_features(&body[..], crs, tx)
            }));
            let report = import_in(conn, rx, &options, |_| {}).await?;
            tracing::info!(?report, by = %who, "import");
            if dry_run {
                return Err(Abort::DryRun(report));
            }
            let reply = Reply::of(HttpResponse::Ok().json(report))?;
            Ok(idempotency.record(conn, reply).await?)
        })
        .await;
    drop(conn);
    if let Some(reader) = reader {
        reader.await.map_err(anyhow::Error::from)?;
    }
    match outcome {
        Ok(reply) => Ok(reply.into_response()),
        Err(Abort::DryRun(report)) => Ok(HttpResponse::Ok().json(report)),
        Err(Abort::Api(error)) => Err(error),
    }
}
