//! The post-download steps of `deploy/pipeline.yaml`, and how their parameters are built
//! from the job context.
//!
//! A parameter value that is a string of the form `{{path.to.value}}` is replaced by the JSON
//! value at that path of the job context (`job`, `track`, `download`, `steps.<name>`);
//! `{{a.b | c.d}}` takes the first path that leads somewhere; when none does (a skipped
//! step), the parameter is left out.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

/// The pipeline shipped with SoulSpot, used when no file is configured.
const DEFAULT_SPEC: &str = include_str!("../../../../deploy/pipeline.yaml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    pub steps: Vec<StepSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub name: String,
    pub operation: String,
    /// A required step that cannot run fails the job; an optional one is skipped.
    pub required: bool,
    pub timeout_ms: u64,
    /// Further tries after a failed first one (4xx replies are never retried).
    pub retries: u32,
    pub params: Map<String, Value>,
}

impl StepSpec {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.max(1))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("cannot read pipeline spec {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid pipeline spec: {0}")]
    Parse(#[from] serde_norway::Error),
    #[error("pipeline step `{step}` names unknown operation `{operation}`")]
    UnknownOperation { step: String, operation: String },
    #[error("pipeline step name `{0}` is used twice")]
    DuplicateStep(String),
}

impl PipelineSpec {
    /// The spec at `path`, or the built-in one when `path` is empty.
    pub fn load(path: &str) -> Result<Self, SpecError> {
        let text = if path.is_empty() {
            DEFAULT_SPEC.to_owned()
        } else {
            std::fs::read_to_string(Path::new(path)).map_err(|source| SpecError::Read {
                path: path.to_owned(),
                source,
            })?
        };
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let spec: PipelineSpec = serde_norway::from_str(text)?;
        let contracts =
            soulspot_contracts::contracts().map_err(|violation| SpecError::UnknownOperation {
                step: "*".to_owned(),
                operation: violation.to_string(),
            })?;
        let mut names = std::collections::HashSet::new();
        for step in &spec.steps {
            if !names.insert(step.name.as_str()) {
                return Err(SpecError::DuplicateStep(step.name.clone()));
            }
            if contracts.capability(&step.operation).is_err() {
                return Err(SpecError::UnknownOperation {
                    step: step.name.clone(),
                    operation: step.operation.clone(),
                });
            }
        }
        Ok(spec)
    }
}

/// Builds a step's parameters from the job context.
pub fn render(params: &Map<String, Value>, context: &Value) -> Value {
    let rendered = params
        .iter()
        .filter_map(|(key, value)| render_value(value, context).map(|value| (key.clone(), value)))
        .collect();
    Value::Object(rendered)
}

fn render_value(value: &Value, context: &Value) -> Option<Value> {
    match value {
        Value::String(text) => match placeholder(text) {
            Some(paths) => paths
                .split('|')
                .find_map(|path| lookup(context, path.trim()))
                .cloned(),
            None => Some(value.clone()),
        },
        Value::Object(map) => Some(render(map, context)),
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .filter_map(|item| render_value(item, context))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

fn placeholder(text: &str) -> Option<&str> {
    text.trim()
        .strip_prefix("{{")
        .and_then(|rest| rest.strip_suffix("}}"))
        .map(str::trim)
}

fn lookup<'a>(context: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(context, |value, key| value.get(key))
        .filter(|value| !value.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_shipped_pipeline_parses() {
        let spec = PipelineSpec::load("").unwrap();
        let operations: Vec<&str> = spec
            .steps
            .iter()
            .map(|step| step.operation.as_str())
            .collect();
        assert_eq!(
            operations,
            ["enrich.metadata", "import.track", "notify.track_ready"]
        );
        assert!(spec.steps[1].required);
    }

    #[test]
    fn an_unknown_operation_is_refused() {
        let text = "steps:\n  - {name: x, operation: no.such, required: true, timeout_ms: 1, retries: 0, params: {}}\n";
        assert!(matches!(
            PipelineSpec::parse(text),
            Err(SpecError::UnknownOperation { .. })
        ));
    }

    #[test]
    fn placeholders_take_values_from_the_context_and_missing_ones_are_left_out() {
        let params = json!({
            "job_id": "{{job.id}}",
            "path": "{{steps.import.path}}",
            "metadata": "{{steps.enrich.metadata}}",
            "fixed": "text",
        });
        let context = json!({"job": {"id": "j1"}, "steps": {"import": {"path": "/music/a.flac"}}});
        let rendered = render(params.as_object().unwrap(), &context);
        assert_eq!(
            rendered,
            json!({"job_id": "j1", "path": "/music/a.flac", "fixed": "text"})
        );
    }
}
