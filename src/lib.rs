//! Næringsareal: the registry of available business land, served as
//! OGC API – Features and GeoJSON from PostGIS.
//!
//! From the bottom up: `config`, `crs`, `error`, `db` (pool, migrations,
//! schema, SQL helpers) and `state` (what every handler reaches); `http`,
//! the plumbing every resource shares; `mail`, the outbox and its sender,
//! which resources send through; the resources (`ogc`, `plots`,
//! `matching`, `enquiries`, `keys`, `health`); `metrics`, which reads them;
//! and `router`, above them all, which builds the app and its OpenAPI
//! document. No module imports one above it.

pub mod alerts;
pub mod config;
pub mod contact;
pub mod crs;
pub mod db;
pub mod demand;
pub mod demo;
pub mod enquiries;
pub mod error;
pub mod health;
pub mod html;
pub mod http;
pub mod keys;
pub mod log_rate;
pub mod mail;
pub mod map;
pub mod matching;
pub mod metrics;
pub mod ogc;
pub mod openapi;
pub mod plots;
pub mod reception;
pub mod router;
pub mod state;
pub mod tiles;
