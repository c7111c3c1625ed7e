//! What the real services tolerate in a request and strict routers refuse: the spelling of
//! paths, query values, JSON property names and authorization schemes. Each emulator declares which of these
//! rules its real counterpart follows, so clients written for the real service work
//! against the sandbox unchanged — and clients that only work here are not rewarded.

mod auth;
mod json_body;
mod paths;
mod query;

pub(crate) use auth::credentials;
pub(crate) use json_body::AspNetJson;
pub(crate) use paths::{PathRules, Routes};
pub(crate) use query::{InvalidQueryValue, QueryValues};
