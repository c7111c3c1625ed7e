//! SoulSpot's NATS layer: connection with retries, typed request/reply with deadlines and the
//! service error headers, and events on JetStream (validated, deduplicated, durable).

pub mod connect;
pub mod context;
pub mod events;
pub mod jetstream_write;
pub mod request;
#[cfg(feature = "testing")]
pub mod testing;

pub use connect::{ConnectError, NatsSettings, connect};
pub use context::MessageContext;
pub use events::{
    DeliverFrom, EventBus, EventPublisher, EventStoreError, EventStoreSettings, HandlerError,
    PublishError, ReceivedEvent, SubscribeOptions, Subscription,
};
pub use jetstream_write::Durability;
pub use request::{RequestError, request_bytes, request_json};
