//! Who is calling: anonymous, or the holder of an API key with a role.
//! `Authorization: Bearer <key>`, or for reads in a browser the sign-in
//! cookie ([`KEY_COOKIE`]); anonymous callers read the public register.
//! [`Caller`] is the extractor of handlers that serve both; [`Planner`] and
//! [`Admin`] are those of handlers that need a role: they answer 401 or 403
//! before the handler runs.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};

use crate::error::ApiError;
use crate::keys::role::Role;
use crate::keys::store;
use crate::state::AppState;

pub use super::credentials::KEY_COOKIE;

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No key: reads the public register only.
    Anonymous,
    /// The holder of a valid, unrevoked key.
    Key { name: String, role: Role },
}

impl Caller {
    /// The caller's role, if any.
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::Anonymous => None,
            Self::Key { role, .. } => Some(*role),
        }
    }

    /// Whether the caller may see unpublished plots, ended plots and history.
    pub fn is_planner(&self) -> bool {
        self.role().is_some()
    }

    /// The key's name (what the history records), or 401/403 when the
    /// caller may not act as `role`.
    pub fn require(&self, role: Role, action: &str) -> Result<&str, ApiError> {
        match self {
            Self::Anonymous => Err(ApiError::Unauthorized(format!(
                "{action} needs an API key with the {} role: send `Authorization: Bearer <key>`",
                role.as_ref()
            ))),
            Self::Key { name, role: held } if *held >= role => Ok(name),
            Self::Key { name, role: held } => Err(ApiError::Forbidden(format!(
                "{action} needs the {} role; the key `{name}` is a {}",
                role.as_ref(),
                held.as_ref()
            ))),
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        // Who calls changes the answer (a planner sees unpublished plots).
        super::cache::vary_on(req, header::AUTHORIZATION);
        let header = req.headers().get(header::AUTHORIZATION).cloned();
        // A planner in a browser sends the key in the sign-in cookie; it
        // counts for reads only (GET, HEAD), so that no other site's page
        // can make a browser write with it.
        let cookie = match (&header, req.method()) {
            (None, &Method::GET | &Method::HEAD) => {
                super::cache::vary_on(req, header::COOKIE);
                req.cookie(KEY_COOKIE).map(|c| c.value().to_owned())
            }
            _ => None,
        };
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            if let Some(key) = cookie.filter(|k| !k.is_empty()) {
                let state = state.ok_or_else(|| anyhow::anyhow!("no app state"))?;
                let mut conn = state.conn().await?;
                // A key revoked since the sign-in is no key: the public pages
                // stay open to the browser.
                return Ok(match store::find_active(&mut conn, &key).await? {
                    Some(found) => Self::Key {
                        name: found.name,
                        role: found.role,
                    },
                    None => Self::Anonymous,
                });
            }
            let Some(header) = header else {
                return Ok(Self::Anonymous);
            };
            let key = header
                .to_str()
                .ok()
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .ok_or_else(|| {
                    ApiError::Unauthorized(
                        "the Authorization header must be `Bearer <key>`".to_owned(),
                    )
                })?;
            let state = state.ok_or_else(|| anyhow::anyhow!("no app state"))?;
            let mut conn = state.conn().await?;
            match store::find_active(&mut conn, key).await? {
                Some(found) => Ok(Self::Key {
                    name: found.name,
                    role: found.role,
                }),
                None => Err(ApiError::Unauthorized(
                    "the API key is not valid (unknown or revoked)".to_owned(),
                )),
            }
        })
    }
}

/// The holder of a key with at least the planner role: its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planner(pub String);

/// The holder of a key with the admin role: its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin(pub String);

/// The caller's key name, when it may act as `role`; the action in the
/// error is the request's method and path.
fn authorise(
    req: &HttpRequest,
    role: Role,
) -> Pin<Box<dyn Future<Output = Result<String, ApiError>>>> {
    let action = format!("{} {}", req.method(), req.path());
    let caller = Caller::extract(req);
    Box::pin(async move { Ok(caller.await?.require(role, &action)?.to_owned()) })
}

impl FromRequest for Planner {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let name = authorise(req, Role::Planner);
        Box::pin(async move { Ok(Self(name.await?)) })
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let name = authorise(req, Role::Admin);
        Box::pin(async move { Ok(Self(name.await?)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_rank_and_refuse() {
        let planner = Caller::Key {
            name: "kari".into(),
            role: Role::Planner,
        };
        assert_eq!(planner.require(Role::Planner, "writing").unwrap(), "kari");
        assert!(matches!(
            planner.require(Role::Admin, "managing keys"),
            Err(ApiError::Forbidden(_))
        ));
        assert!(matches!(
            Caller::Anonymous.require(Role::Planner, "writing"),
            Err(ApiError::Unauthorized(_))
        ));
        let admin = Caller::Key {
            name: "root".into(),
            role: Role::Admin,
        };
        assert!(admin.require(Role::Planner, "writing").is_ok());
    }
}
