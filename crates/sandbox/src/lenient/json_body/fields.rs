//! The property names a `Deserialize` type expects, found by asking it to deserialise
//! from a probe that records the field list serde passes to `deserialize_struct` (for a
//! sequence, the list of its element type).

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

/// The serialised field names of `T`, or of `T`'s elements when `T` is a sequence;
/// empty for anything else.
pub(super) fn names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut found: &'static [&'static str] = &[];
    // The probe always ends in an error once it has seen (or not found) the field list.
    let _ = T::deserialize(Probe { found: &mut found });
    found
}

struct Probe<'a> {
    found: &'a mut &'static [&'static str],
}

#[derive(Debug)]
struct Probed;

impl fmt::Display for Probed {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("probe finished")
    }
}

impl std::error::Error for Probed {}

impl de::Error for Probed {
    fn custom<T: fmt::Display>(_message: T) -> Self {
        Self
    }
}

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = Probed;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Probed> {
        Err(Probed)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Probed> {
        *self.found = fields;
        Err(Probed)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probed> {
        visitor.visit_seq(FirstElement { found: self.found })
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct tuple tuple_struct map enum
        identifier ignored_any
    }
}

/// A sequence that offers its visitor one element: the probe.
struct FirstElement<'a> {
    found: &'a mut &'static [&'static str],
}

impl<'de> SeqAccess<'de> for FirstElement<'_> {
    type Error = Probed;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Probed> {
        seed.deserialize(Probe {
            found: &mut *self.found,
        })
        .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Body {
        search_text: Option<String>,
        file_limit: u32,
    }

    #[test]
    fn finds_the_serialised_names_of_structs_and_their_sequences() {
        assert_eq!(names::<Body>(), ["searchText", "fileLimit"]);
        assert_eq!(names::<Vec<Body>>(), ["searchText", "fileLimit"]);
        assert!(names::<u32>().is_empty());
    }
}
