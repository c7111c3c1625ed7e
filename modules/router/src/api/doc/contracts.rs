//! Where a route takes or gives what a contract describes, the document shows the contract's
//! own JSON Schema (contracts/*.yaml), so the two cannot disagree: one path per operation
//! for `POST /api/operations/{operation}`, and the strict track of `POST /api/downloads`.

use serde::ser::Error as _;
use serde_json::{Value, json};
use soulspot_contracts::operations::{self, DOWNLOAD_TRACK};

/// The templated route that the per-operation paths replace.
const OPERATION_ROUTE: &str = "/api/operations/{operation}";

pub(super) fn apply(document: &mut Value) -> Result<(), serde_json::Error> {
    let contracts = soulspot_contracts::contracts().map_err(serde_json::Error::custom)?;
    let paths = document["paths"]
        .as_object_mut()
        .ok_or_else(|| serde_json::Error::custom("the document has no paths"))?;
    let template = paths
        .remove(OPERATION_ROUTE)
        .ok_or_else(|| serde_json::Error::custom("the route table lacks the operations"))?;
    for operation in operations::ALL {
        let contract = contracts
            .capability(operation)
            .map_err(serde_json::Error::custom)?;
        let mut item = template.clone();
        let post = &mut item["post"];
        if let Some(fields) = post.as_object_mut() {
            fields.remove("parameters");
        }
        post["operationId"] = json!(format!("call_{}", operation.replace('.', "_")));
        post["summary"] = json!(format!("Routes `{operation}` to its best live provider"));
        post["requestBody"]["content"]["application/json"]["schema"] =
            contract.request.schema().clone();
        post["responses"]["200"]["content"]["application/json"]["schema"] =
            contract.reply.schema().clone();
        paths.insert(format!("/api/operations/{operation}"), item);
    }

    // `null` reads as absent, so "exactly one" means exactly one that is not null.
    let track = contracts
        .capability(DOWNLOAD_TRACK)
        .map_err(serde_json::Error::custom)?
        .request
        .schema()["properties"]["track"]
        .clone();
    let download = &mut document["components"]["schemas"]["DownloadRequest"];
    download["properties"]["track"] = json!({"anyOf": [track, {"type": "null"}]});
    download["oneOf"] = json!([
        {"required": ["track"], "properties": {"track": {"type": "object"}}},
        {"required": ["query"], "properties": {"query": {"type": "string"}}},
    ]);
    Ok(())
}
