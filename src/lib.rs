//! Næringsareal: the registry of available business land, served as
//! OGC API – Features and GeoJSON from PostGIS.

pub mod app;
pub mod auth;
pub mod config;
pub mod crs;
pub mod db;
pub mod demo;
pub mod enquiries;
pub mod error;
pub mod health;
pub mod keys;
pub mod ogc;
pub mod openapi;
pub mod params;
pub mod plots;
