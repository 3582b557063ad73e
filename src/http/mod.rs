//! The HTTP plumbing every resource shares: media types, links and page
//! links, request bodies (size limit, content type, JSON), query
//! parameters, CSV answers, who is calling and the role checks, and the
//! problem responses the OpenAPI document declares, the refusal of text
//! PostgreSQL cannot hold, `Idempotency-Key` for the POSTs that create,
//! and the bound on requests in flight. It knows no resource.

pub mod body;
pub mod caller;
pub mod csv;
pub mod idempotency;
pub mod link;
pub mod media;
pub mod on_done;
pub mod overload;
pub mod params;
pub mod problems;
pub mod text;
