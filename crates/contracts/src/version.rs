//! Semantic versions of contracts, and the compatibility rule consumers apply.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `MAJOR.MINOR.PATCH` of one contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchemaVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl SchemaVersion {
    /// A consumer built against `self` accepts `other` when the MAJOR versions agree:
    /// MINOR and PATCH changes only add optional fields.
    pub fn accepts(&self, other: &SchemaVersion) -> bool {
        self.major == other.major
    }
}

/// A version string that is not `MAJOR.MINOR.PATCH`.
#[derive(Debug, thiserror::Error)]
#[error("invalid schema version `{0}`: expected MAJOR.MINOR.PATCH")]
pub struct InvalidVersion(pub String);

impl FromStr for SchemaVersion {
    type Err = InvalidVersion;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut parts = text.split('.').map(str::parse::<u32>);
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(Ok(major)), Some(Ok(minor)), Some(Ok(patch)), None) => Ok(Self {
                major,
                minor,
                patch,
            }),
            _ => Err(InvalidVersion(text.to_owned())),
        }
    }
}

impl fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl Serialize for SchemaVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SchemaVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_semver() {
        let version: SchemaVersion = "1.12.3".parse().unwrap();
        assert_eq!(version.to_string(), "1.12.3");
        assert!("1.2".parse::<SchemaVersion>().is_err());
        assert!("1.2.x".parse::<SchemaVersion>().is_err());
    }

    #[test]
    fn accepts_only_the_same_major() {
        let v1: SchemaVersion = "1.0.0".parse().unwrap();
        assert!(v1.accepts(&"1.4.2".parse().unwrap()));
        assert!(!v1.accepts(&"2.0.0".parse().unwrap()));
    }
}
