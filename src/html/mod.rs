//! The HTML side of the service, below every resource: which form a
//! request wants (JSON or HTML), the language of a page and its message
//! catalogue, number and date formats people read, the base layout every
//! page shares, and the embedded static assets (our scripts and styles and
//! the vendored MapLibre). It knows no resource: each resource renders its
//! own pages with these.

pub mod assets;
pub mod errors;
pub mod format;
pub mod i18n;
pub mod negotiate;
pub mod page;
