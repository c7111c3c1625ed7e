//! `soulspot status` and `soulspot jobs`: what the router knows, as a table or JSON.

use serde_json::Value;

use crate::api::Api;
use crate::args::JobsArgs;
use crate::error::CliError;
use crate::job::Job;

/// The modules with their status, instances and capabilities, and any failing check.
pub async fn status(api: &Api, json: bool) -> Result<(), CliError> {
    let report = api.status().await?;
    if json {
        println!("{report}");
        return Ok(());
    }
    let modules = report["modules"].as_array().cloned().unwrap_or_default();
    if modules.is_empty() {
        println!("no modules known to the router at {}", api.base());
    }
    for module in &modules {
        println!("{}", module_line(module));
        for check in module["checks"].as_array().into_iter().flatten() {
            if check["ok"] == false {
                let reason = check["reason"].as_str().unwrap_or("failing");
                println!("    ✗ {}: {reason}", text(&check["name"]));
            }
        }
    }
    Ok(())
}

fn module_line(module: &Value) -> String {
    let instances = module["instances"].as_array().map_or(0, Vec::len);
    let capabilities: Vec<String> = module["capabilities"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|capability| {
            capability["operation"]
                .as_str()
                .or_else(|| capability["name"].as_str())
                .unwrap_or("?")
                .to_owned()
        })
        .collect();
    format!(
        "{:<14} {:<9} {instances} instance{}  {}",
        text(&module["name"]),
        text(&module["status"]),
        if instances == 1 { "" } else { "s" },
        capabilities.join(", ")
    )
}

/// Every job (of one state), oldest first: id, state, what was asked, and the path or the
/// failure.
pub async fn jobs(api: &Api, args: &JobsArgs, json: bool) -> Result<(), CliError> {
    let state = args.state.map(|state| state.as_str());
    let jobs = match args.limit {
        Some(0) => Vec::new(),
        limit => api.jobs(state, limit).await?,
    };
    if json {
        println!("{}", Value::Array(jobs));
        return Ok(());
    }
    for raw in jobs {
        let what = Job::describe(&raw);
        let retried = match raw["retries"].as_u64() {
            Some(times @ 1..) => format!(" (retried {times}×)"),
            _ => String::new(),
        };
        let line = format!(
            "{}  {:<11}  {what}{retried}",
            text(&raw["id"]),
            text(&raw["state"])
        );
        match Job::from_value(raw) {
            Ok(job) if job.is_completed() => {
                println!("{line}  {}", job.library_path().unwrap_or(""));
            }
            Ok(job) if job.is_finished() => {
                let (step, reason) = job.failure();
                println!("{line}  failed at {step}: {reason}");
            }
            _ => println!("{line}"),
        }
    }
    Ok(())
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("?")
}
