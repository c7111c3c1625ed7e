//! One module per group of subcommands.

pub mod get;
pub mod listing;
pub mod sync;
