//! Which JetStream failures are worth another try.

use async_nats::jetstream::kv::{CreateError, CreateErrorKind};

use super::*;

#[test]
fn no_leader_and_no_ack_in_time_are_transient() {
    for kind in [PublishErrorKind::StreamNotFound, PublishErrorKind::TimedOut] {
        assert!(is_transient(&PublishError::new(kind)), "{kind:?}");
    }
    assert!(is_transient(&RequestError::new(
        RequestErrorKind::NoResponders
    )));
}

#[test]
fn a_wrong_expected_sequence_or_message_id_is_final() {
    for kind in [
        PublishErrorKind::WrongLastSequence,
        PublishErrorKind::WrongLastMessageId,
        PublishErrorKind::MaxPayloadExceeded,
    ] {
        assert!(!is_transient(&PublishError::new(kind)), "{kind:?}");
    }
    assert!(!is_transient(&UpdateError::new(
        UpdateErrorKind::WrongLastRevision
    )));
}

#[test]
fn a_kv_error_is_transient_when_the_publish_beneath_it_met_no_leader() {
    // The KV layer reports a publish without responders as `Other`: only its source tells.
    let beneath = PublishError::new(PublishErrorKind::StreamNotFound);
    let update = UpdateError::with_source(UpdateErrorKind::Other, beneath);
    let create = CreateError::with_source(CreateErrorKind::Other, update);
    assert!(is_transient(&create));

    let final_beneath = PublishError::new(PublishErrorKind::Other);
    let update = UpdateError::with_source(UpdateErrorKind::Other, final_beneath);
    assert!(!is_transient(&update));
}
