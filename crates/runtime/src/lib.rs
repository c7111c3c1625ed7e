//! What every SoulSpot module binary shares: layered settings, registration of capabilities as
//! a NATS micro service, the health endpoint, up/down announcements, the operational HTTP
//! listener (`/healthz`, `/readyz`, `/metrics`), discovery of peers, bounded concurrency and
//! graceful shutdown — assembled for every module by `Application`.

pub mod app;
pub mod background;
pub mod capability;
pub mod discovery;
mod endpoints;
pub mod files;
pub mod health;
pub mod http;
pub mod module;
pub mod outbound;
pub mod rate_limit;
mod reply;
pub mod running;
pub mod settings;
pub mod shutdown;

pub use app::{Application, BuildError, Module, Startup};
pub use background::Background;
pub use capability::{CallContext, Capability, ServiceError};
pub use discovery::{StartupReport, discover, startup_report};
pub use health::HealthChecks;
pub use module::{ModuleBuilder, StartError};
pub use running::RunningModule;
pub use settings::{ServiceSettings, SettingsError, SettingsSources, Validate, load};
pub use shutdown::shutdown_signal;
pub use soulspot_common::Secret;
