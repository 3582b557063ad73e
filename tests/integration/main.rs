//! Integration tests: the real app against a real PostGIS, one database per test.

mod availability;
mod backup;
mod bad_input;
mod cluster;
mod common;
mod cql2;
mod crs;
mod database;
mod e2e;
mod enquiries;
mod errors;
mod html;
mod http_caching;
mod idempotency;
mod import;
mod items;
mod matching;
mod metadata;
mod openapi;
mod operations;
mod proximity;
mod reserve;
mod sorting;
mod tiles;
mod unstorable;
mod writes;
