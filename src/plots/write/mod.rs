//! Writing plots: checking a feature property by property ([`input`]), the
//! writes in PostGIS ([`writes`]), the Part 4 handlers ([`edit`]: create,
//! replace, update, retire) and the bulk import ([`import`]).

pub mod edit;
pub mod import;
pub mod input;
pub mod writes;
