//! Black-box tests of the sandbox emulators, each through a freshly started sandbox.
//!
//! Modules are marked `cfg(test)` so clippy treats their helpers as test code.

#[cfg(test)]
mod audio;
#[cfg(test)]
mod catalog;
#[cfg(test)]
mod coverart;
#[cfg(test)]
mod helpers;
#[cfg(test)]
mod musicbrainz;
#[cfg(test)]
mod musicbrainz_xml;
#[cfg(test)]
mod slskd_aspnet;
#[cfg(test)]
mod slskd_search;
#[cfg(test)]
mod slskd_transfers;
#[cfg(test)]
mod spotify;
#[cfg(test)]
mod spotify_auth;
