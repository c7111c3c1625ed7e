//! What every SoulSpot module binary shares: layered settings, registration of capabilities as
//! a NATS micro service, the health endpoint, up/down announcements, the operational HTTP
//! listener (`/healthz`, `/readyz`, `/metrics`), discovery of peers and graceful shutdown.

pub mod app;
pub mod capability;
pub mod discovery;
pub mod files;
pub mod health;
pub mod http;
pub mod module;
pub mod outbound;
pub mod rate_limit;
mod reply;
pub mod secret;
pub mod settings;
pub mod shutdown;

pub use app::ModuleApp;
pub use capability::{CallContext, Capability, ServiceError};
pub use discovery::{StartupReport, discover, startup_report};
pub use health::HealthChecks;
pub use module::{ModuleBuilder, RunningModule, StartError};
pub use secret::Secret;
pub use settings::{ServiceSettings, SettingsError, SettingsSources, load};
pub use shutdown::shutdown_signal;
