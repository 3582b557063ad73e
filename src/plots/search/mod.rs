//! Searching the plots: the items listing's parameters, CQL2 filters
//! translated to SQL, `sortby`, proximity (`near`, `within_m`), the query
//! of a page and the choice of its paging strategy, and the handler that
//! renders the page as GeoJSON or CSV.

pub mod cql2;
pub mod handlers;
pub mod page;
pub mod proximity;
pub mod query;
pub mod request;
pub mod sorting;
