//! The library module as an application: the library opened from its settings and its
//! capabilities, assembled and run by `soulspot_runtime::Application`.

use std::sync::Arc;

use soulspot_contracts::operations::modules;
use soulspot_runtime::{Module, ModuleBuilder, ServiceSettings, Startup};

use crate::handlers;
use crate::library::{Library, OpenError};
use crate::settings::LibrarySettings;

/// The library module: `Application::build(settings)`, then `run_until_stopped`.
pub type Application = soulspot_runtime::Application<LibraryModule>;

/// What the library module adds to the shared application.
#[derive(Debug)]
pub struct LibraryModule;

impl Module for LibraryModule {
    const NAME: &'static str = modules::LIBRARY;
    type Settings = LibrarySettings;
    type Error = OpenError;

    fn service_settings(settings: &LibrarySettings) -> &ServiceSettings {
        &settings.service
    }

    /// Opens the library (root, template, index) once, at start, like a binary would.
    async fn assemble(
        settings: LibrarySettings,
        _startup: Startup,
    ) -> Result<ModuleBuilder, OpenError> {
        let library = Library::open_with_fault(settings.library, settings.fault.crash_at)?;
        Ok(handlers::module(Arc::new(library)))
    }
}
