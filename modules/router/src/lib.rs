//! The router: discovers module instances over NATS, tracks their health, routes each
//! operation to the best live provider with fallback, and serves SoulSpot's HTTP API.

pub mod api;
pub mod app;
pub mod monitor;
pub mod pipeline;
pub mod registry;
pub mod route;
pub mod settings;
pub mod ui;

pub use app::Application;
pub use registry::Registry;
pub use route::{CallPolicy, RouteError, Router};
pub use settings::RouterSettings;
