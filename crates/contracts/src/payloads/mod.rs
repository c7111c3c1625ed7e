//! Typed request, reply and event payloads, one struct per contract under `contracts/`.
