//! Spotify client authentication as common clients send it: credentials in the form body,
//! form bodies with a charset, and authorization schemes in any case.

use serde_json::Value;

use crate::helpers::spawn_fast;

#[tokio::test]
async fn token_accepts_client_credentials_in_the_form_body() {
    let app = spawn_fast().await;
    let url = format!("{}/api/token", app.sandbox.urls().spotify_accounts);
    let issued = app
        .client
        .post(&url)
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body("grant_type=client_credentials&client_id=sandbox-client-id&client_secret=sandbox-client-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), 200);
    let body: Value = issued.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    let wrong_secret = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=sandbox-client-id&client_secret=wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_secret.status(), 400);
    let body: Value = wrong_secret.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn authorization_schemes_match_in_any_case() {
    let app = spawn_fast().await;
    // base64("sandbox-client-id:sandbox-client-secret")
    let basic = "c2FuZGJveC1jbGllbnQtaWQ6c2FuZGJveC1jbGllbnQtc2VjcmV0";
    let issued = app
        .client
        .post(format!("{}/api/token", app.sandbox.urls().spotify_accounts))
        .header("authorization", format!("basic {basic}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), 200);
    let token: Value = issued.json().await.unwrap();
    let token = token["access_token"].as_str().unwrap();
    let search = app
        .client
        .get(format!(
            "{}/v1/search?q=glass&type=track",
            app.sandbox.urls().spotify_api
        ))
        .header("authorization", format!("bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(search.status(), 200);
}
