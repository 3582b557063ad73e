//! The HTTP plumbing every resource shares: media types, links and page
//! links, request bodies (size limit, content type, JSON), query
//! parameters, CSV answers, who is calling and the role checks, the
//! problem responses the OpenAPI document declares, the refusal of text
//! PostgreSQL cannot hold, `Idempotency-Key` for the POSTs that create;
//! and the layers around every answer: the bound on requests in flight,
//! caching headers and 304s, content codings, CORS and the headers every
//! answer carries. It knows no resource.

pub mod body;
pub mod cache;
pub mod caller;
pub mod client;
pub mod coding;
pub mod cors;
pub mod credentials;
pub mod csv;
pub mod finish;
pub mod idempotency;
pub mod link;
pub mod media;
pub mod on_done;
pub mod overload;
pub mod params;
pub mod problems;
pub mod request_span;
pub mod text;
