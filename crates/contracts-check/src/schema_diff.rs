//! Compares two JSON Schemas of one message and says which version bump each difference needs.
//!
//! The rule (DESIGN.md, "Events"): whatever narrows what the schema accepts — a property removed,
//! retyped or newly required, enum values removed, `additionalProperties` turned false, a bound
//! tightened — is breaking and needs a MAJOR bump; whatever only widens it (an optional property
//! added, a bound relaxed) needs MINOR; annotations (`description`, `title`, …) need PATCH. A
//! keyword this module does not analyse is treated as breaking when it changes, so the check
//! errs on the side of a MAJOR bump rather than letting a break through.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};

/// The smallest version bump a change needs, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Bump::None => "no",
            Bump::Patch => "PATCH",
            Bump::Minor => "MINOR",
            Bump::Major => "MAJOR",
        })
    }
}

/// One difference between two schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// JSON path of the field in the message, e.g. `$.data.track.title`.
    pub path: String,
    /// What changed, e.g. `property removed`.
    pub rule: String,
    pub needs: Bump,
}

/// Keywords that document a schema without changing what it accepts.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "examples",
    "default",
    "$comment",
    "deprecated",
];
/// Keywords whose value is a lower bound: raising it narrows the schema.
const LOWER_BOUNDS: &[&str] = &[
    "minimum",
    "exclusiveMinimum",
    "minLength",
    "minItems",
    "minProperties",
];
/// Keywords whose value is an upper bound: lowering it narrows the schema.
const UPPER_BOUNDS: &[&str] = &[
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
];

/// Every difference between `old` and `new`, the schemas of the message at `path` (`$.data`).
pub fn diff_schemas(path: &str, old: &Value, new: &Value) -> Vec<Change> {
    let mut walker = Walker::default();
    walker.schema(path, old, new);
    walker.changes
}

#[derive(Default)]
struct Walker {
    changes: Vec<Change>,
}

impl Walker {
    fn push(&mut self, path: &str, rule: impl Into<String>, needs: Bump) {
        self.changes.push(Change {
            path: path.to_owned(),
            rule: rule.into(),
            needs,
        });
    }

    fn schema(&mut self, path: &str, old: &Value, new: &Value) {
        if old == new {
            return;
        }
        let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
            self.push(path, "schema replaced", Bump::Major);
            return;
        };
        let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for key in keys {
            let (before, after) = (old.get(key.as_str()), new.get(key.as_str()));
            if before == after {
                continue;
            }
            match key.as_str() {
                // Compared together, once, because a new property may also be a required one.
                "properties" | "required" => {}
                "type" => self.types(path, before, after),
                "enum" => self.enumeration(path, before, after),
                "const" | "format" => self.restriction(path, key, before, after),
                "items" | "additionalProperties" => self.subschema(path, key, before, after),
                name if ANNOTATIONS.contains(&name) => {
                    self.push(path, format!("`{name}` changed"), Bump::Patch);
                }
                name if LOWER_BOUNDS.contains(&name) => {
                    self.bound(path, name, before, after, |old, new| new > old);
                }
                name if UPPER_BOUNDS.contains(&name) => {
                    self.bound(path, name, before, after, |old, new| new < old);
                }
                name => self.push(
                    path,
                    format!("`{name}` changed (not analysed, so treated as breaking)"),
                    Bump::Major,
                ),
            }
        }
        self.properties(path, old, new);
    }

    fn properties(&mut self, path: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        let empty = Map::new();
        let old_properties = old
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let new_properties = new
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let old_required = names(old.get("required"));
        let new_required = names(new.get("required"));
        for (name, before) in old_properties {
            let field = child(path, name);
            match new_properties.get(name) {
                None => self.push(&field, "property removed", Bump::Major),
                Some(after) => self.schema(&field, before, after),
            }
        }
        for name in new_properties.keys() {
            if old_properties.contains_key(name) {
                continue;
            }
            let field = child(path, name);
            if new_required.contains(name.as_str()) {
                self.push(&field, "required property added", Bump::Major);
            } else {
                self.push(&field, "optional property added", Bump::Minor);
            }
        }
        for name in new_required.difference(&old_required) {
            let added_above =
                new_properties.contains_key(*name) && !old_properties.contains_key(*name);
            if !added_above {
                self.push(&child(path, name), "property became required", Bump::Major);
            }
        }
        for name in old_required.difference(&new_required) {
            self.push(
                &child(path, name),
                "property no longer required",
                Bump::Minor,
            );
        }
    }

    fn types(&mut self, path: &str, before: Option<&Value>, after: Option<&Value>) {
        let (old, new) = (names(before), names(after));
        let shown = |types: &BTreeSet<&str>| types.iter().copied().collect::<Vec<_>>().join("|");
        match (before.is_some(), after.is_some()) {
            (false, _) => self.push(
                path,
                format!("type restricted to {}", shown(&new)),
                Bump::Major,
            ),
            (_, false) => self.push(path, "type constraint removed", Bump::Minor),
            _ if old.is_subset(&new) => self.push(
                path,
                format!("type widened from {} to {}", shown(&old), shown(&new)),
                Bump::Minor,
            ),
            _ => self.push(
                path,
                format!("type changed from {} to {}", shown(&old), shown(&new)),
                Bump::Major,
            ),
        }
    }

    fn enumeration(&mut self, path: &str, before: Option<&Value>, after: Option<&Value>) {
        let listed = |values: Option<&Value>| -> Vec<Value> {
            values
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (old, new) = (listed(before), listed(after));
        let removed: Vec<String> = old
            .iter()
            .filter(|v| !new.contains(v))
            .map(Value::to_string)
            .collect();
        match (before.is_some(), after.is_some()) {
            (false, _) => self.push(path, "enum added", Bump::Major),
            (_, false) => self.push(path, "enum removed", Bump::Minor),
            _ if !removed.is_empty() => {
                self.push(
                    path,
                    format!("enum values removed: {}", removed.join(", ")),
                    Bump::Major,
                );
            }
            _ if new.iter().all(|v| old.contains(v)) => {
                self.push(path, "enum values reordered", Bump::Patch);
            }
            _ => self.push(path, "enum values added", Bump::Minor),
        }
    }

    /// `const` and `format`: adding or changing one narrows the schema, removing it widens it.
    fn restriction(
        &mut self,
        path: &str,
        key: &str,
        before: Option<&Value>,
        after: Option<&Value>,
    ) {
        match (before, after) {
            (Some(_), None) => self.push(path, format!("`{key}` removed"), Bump::Minor),
            (None, _) => self.push(path, format!("`{key}` added"), Bump::Major),
            _ => self.push(path, format!("`{key}` changed"), Bump::Major),
        }
    }

    /// `items` and `additionalProperties` of the schema at `path`: schemas compared
    /// recursively, `false` as the narrowest and absent (or `true`) as the widest.
    fn subschema(&mut self, path: &str, key: &str, before: Option<&Value>, after: Option<&Value>) {
        let old = before.unwrap_or(&Value::Bool(true));
        let new = after.unwrap_or(&Value::Bool(true));
        if old.is_object() && new.is_object() {
            let inner = if key == "items" { "[*]" } else { ".*" };
            self.schema(&format!("{path}{inner}"), old, new);
            return;
        }
        let (Some(old_rank), Some(new_rank)) = (openness(old), openness(new)) else {
            self.push(
                path,
                format!("`{key}` changed (not analysed, so treated as breaking)"),
                Bump::Major,
            );
            return;
        };
        let rule = match new {
            Value::Bool(false) => format!("`{key}` turned false"),
            _ if new_rank < old_rank => format!("`{key}` narrowed"),
            _ if new_rank > old_rank => format!("`{key}` widened"),
            _ => format!("`{key}` spelt differently"),
        };
        let needs = match new_rank.cmp(&old_rank) {
            std::cmp::Ordering::Less => Bump::Major,
            std::cmp::Ordering::Greater => Bump::Minor,
            std::cmp::Ordering::Equal => Bump::Patch,
        };
        self.push(path, rule, needs);
    }

    fn bound(
        &mut self,
        path: &str,
        key: &str,
        before: Option<&Value>,
        after: Option<&Value>,
        narrows: fn(f64, f64) -> bool,
    ) {
        let (old, new) = (before.map(Value::as_f64), after.map(Value::as_f64));
        let (rule, needs) = match (old, new) {
            (None, _) => (format!("`{key}` added"), Bump::Major),
            (_, None) => (format!("`{key}` removed"), Bump::Minor),
            (Some(Some(old)), Some(Some(new))) if narrows(old, new) => (
                format!("`{key}` tightened from {old} to {new}"),
                Bump::Major,
            ),
            (Some(Some(old)), Some(Some(new))) => {
                (format!("`{key}` relaxed from {old} to {new}"), Bump::Minor)
            }
            _ => (
                format!("`{key}` changed (not a number, so treated as breaking)"),
                Bump::Major,
            ),
        };
        self.push(path, rule, needs);
    }
}

/// How much a boolean or object subschema lets through: `false` < a schema < `true`.
fn openness(schema: &Value) -> Option<u8> {
    match schema {
        Value::Bool(false) => Some(0),
        Value::Object(_) => Some(1),
        Value::Bool(true) => Some(2),
        _ => None,
    }
}

/// The strings of a `required` list or a `type` (one name or a list of names).
fn names(value: Option<&Value>) -> BTreeSet<&str> {
    match value {
        Some(Value::String(name)) => BTreeSet::from([name.as_str()]),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => BTreeSet::new(),
    }
}

/// The JSON path of property `name` of the object at `path`.
fn child(path: &str, name: &str) -> String {
    let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain && !name.is_empty() {
        format!("{path}.{name}")
    } else {
        format!("{path}[{}]", Value::from(name))
    }
}
