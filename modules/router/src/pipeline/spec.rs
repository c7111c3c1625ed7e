//! The post-download steps of `deploy/pipeline.yaml`, and how their parameters are built
//! from the job context.
//!
//! A parameter value that is a string of the form `{{path.to.value}}` is replaced by the JSON
//! value at that path of the job context (`job`, `track`, `download`, `steps.<name>`);
//! `{{a.b | c.d}}` takes the first path that leads somewhere; when none does (a skipped
//! step), the parameter is left out. The pipeline's `result` is built the same way when a
//! job completes: it says where the steps left the track.

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
    #[serde(default)]
    pub result: ResultSpec,
}

/// What `pipeline.completed` reports, as templates over the job context.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultSpec {
    /// Where the track is in the library, e.g. `"{{steps.import.path}}"`.
    #[serde(default)]
    pub library_path: Option<String>,
}

impl ResultSpec {
    /// The library path the job's context gives, if the spec names one and it is a string.
    pub fn library_path(&self, context: &Value) -> Option<String> {
        let template = Value::String(self.library_path.clone()?);
        match render_value(&template, context)? {
            Value::String(path) => Some(path),
            _ => None,
        }
    }
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
    #[error("`{at}` reads `{path}`, which no earlier step provides")]
    UnknownReference { at: String, path: String },
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
        // `search` and `download` are the stages before the spec's steps.
        let mut names = std::collections::HashSet::from(["search", "download"]);
        for step in &spec.steps {
            check_references(
                &Value::Object(step.params.clone()),
                &names,
                &format!("steps.{}.params", step.name),
            )?;
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
        if let Some(template) = &spec.result.library_path {
            check_references(
                &Value::String(template.clone()),
                &names,
                "result.library_path",
            )?;
        }
        Ok(spec)
    }
}

/// Every `steps.<name>` a template reads must name a step that runs before it.
fn check_references(
    value: &Value,
    steps: &std::collections::HashSet<&str>,
    at: &str,
) -> Result<(), SpecError> {
    match value {
        Value::String(text) => {
            for path in placeholder(text)
                .into_iter()
                .flat_map(|paths| paths.split('|'))
            {
                let mut keys = path.trim().split('.');
                if keys.next() == Some("steps")
                    && !keys.next().is_some_and(|name| steps.contains(name))
                {
                    return Err(SpecError::UnknownReference {
                        at: at.to_owned(),
                        path: path.trim().to_owned(),
                    });
                }
            }
            Ok(())
        }
        Value::Object(map) => map
            .values()
            .try_for_each(|value| check_references(value, steps, at)),
        Value::Array(items) => items
            .iter()
            .try_for_each(|value| check_references(value, steps, at)),
        _ => Ok(()),
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
        let context = json!({"steps": {"import": {"path": "/music/a.flac"}}});
        assert_eq!(
            spec.result.library_path(&context).as_deref(),
            Some("/music/a.flac")
        );
    }

    #[test]
    fn the_library_path_comes_from_whichever_step_the_spec_names() {
        let text = "steps:\n  - {name: file_away, operation: import.track, required: true, timeout_ms: 1, retries: 0, params: {}}\nresult:\n  library_path: \"{{steps.file_away.path}}\"\n";
        let spec = PipelineSpec::parse(text).unwrap();

        let filed = json!({"steps": {"file_away": {"path": "/music/b.flac"}}});
        let skipped = json!({"steps": {}});

        assert_eq!(
            spec.result.library_path(&filed).as_deref(),
            Some("/music/b.flac")
        );
        assert_eq!(spec.result.library_path(&skipped), None);
    }

    #[test]
    fn a_template_naming_a_step_that_does_not_run_before_it_is_refused() {
        let later = "steps:\n  - {name: a, operation: import.track, required: true, timeout_ms: 1, retries: 0, params: {path: \"{{steps.b.path}}\"}}\n  - {name: b, operation: import.track, required: true, timeout_ms: 1, retries: 0, params: {}}\n";
        let unknown = "steps: []\nresult: {library_path: \"{{steps.import.path}}\"}\n";
        let misspelt = "steps: []\nresult: {library_pth: \"{{job.id}}\"}\n";

        assert!(matches!(
            PipelineSpec::parse(later),
            Err(SpecError::UnknownReference { .. })
        ));
        assert!(matches!(
            PipelineSpec::parse(unknown),
            Err(SpecError::UnknownReference { .. })
        ));
        assert!(matches!(
            PipelineSpec::parse(misspelt),
            Err(SpecError::Parse(_))
        ));
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
