//! Cover Art Archive: 307 to an image the sandbox serves, 404 otherwise.

use crate::helpers::spawn_fast;

const NORTHERN_LIGHTS: &str = "e13b7fc6-9a7f-5ecf-a374-1a47e4427bb4";

#[tokio::test]
async fn front_500_redirects_to_a_served_png() {
    let app = spawn_fast().await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!(
        "{}/release/{NORTHERN_LIGHTS}/front-500",
        app.sandbox.urls().coverartarchive
    );
    let response = no_redirects.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 307);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let image = app.client.get(&location).send().await.unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    let bytes = image.bytes().await.unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    assert_eq!(&bytes[16..20], &500_u32.to_be_bytes());
    // Following redirects lands on the image as well.
    let followed = app.client.get(&url).send().await.unwrap();
    assert_eq!(followed.status(), 200);
}

#[tokio::test]
async fn unknown_release_and_release_without_art_are_404() {
    let app = spawn_fast().await;
    let base = &app.sandbox.urls().coverartarchive;
    let unknown = format!("{base}/release/00000000-0000-0000-0000-000000000000/front-500");
    assert_eq!(app.client.get(unknown).send().await.unwrap().status(), 404);
    let catalog = soulspot_sandbox::Catalog::embedded().unwrap();
    let bare = catalog
        .albums
        .iter()
        .find(|album| !album.cover_art)
        .unwrap();
    let no_art = format!("{base}/release/{}/front", bare.mbid);
    assert_eq!(app.client.get(no_art).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn image_names_and_paths_are_read_as_the_archive_reads_them() {
    let app = spawn_fast().await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = &app.sandbox.urls().coverartarchive;
    for (image, size) in [
        ("front-500.jpg", 500),
        ("front.jpg", 1200),
        ("front-250/", 250),
    ] {
        let response = no_redirects
            .get(format!("{base}/release/{NORTHERN_LIGHTS}/{image}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 307, "{image}");
        let location = response.headers()["location"].to_str().unwrap();
        assert!(
            location.ends_with(&format!("/front-{size}.png")),
            "{image}: {location}"
        );
    }
    let listing = app
        .client
        .get(format!("{base}/release/{NORTHERN_LIGHTS}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(listing.status(), 200);
    let back = format!("{base}/release/{NORTHERN_LIGHTS}/back-500.jpg");
    assert_eq!(no_redirects.get(back).send().await.unwrap().status(), 404);
}
