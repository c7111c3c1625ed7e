//! MusicBrainz as its clients call it: XML unless JSON is asked for (mmd-2.0 shapes),
//! and a trailing slash on the resource path.

use roxmltree::{Document, Node};
use serde_json::Value;

use crate::helpers::{TestSandbox, spawn_fast};

const MMD: &str = "http://musicbrainz.org/ns/mmd-2.0#";
const EXT: &str = "http://musicbrainz.org/ns/ext#-2.0";
const QUERY: &str = r#"recording:"Glass Harbour" AND artist:"Aurora Lane""#;

fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Node<'a, 'input> {
    node.children()
        .find(|child| child.has_tag_name((MMD, name)))
        .unwrap_or_else(|| panic!("<{}> has no <{name}>", node.tag_name().name()))
}

fn text_of(node: Node<'_, '_>, name: &str) -> String {
    child(node, name).text().unwrap_or_default().to_owned()
}

async fn get_xml(app: &TestSandbox, path_and_query: &str) -> (u16, String) {
    let response = app.musicbrainz_get(path_and_query).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/xml"),
        "{content_type}"
    );
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn search_answers_xml_when_no_format_is_asked_for() {
    let app = spawn_fast().await;
    let path = format!("/ws/2/recording?query={}", urlencode(QUERY));
    let (status, body) = get_xml(&app, &path).await;
    assert_eq!(status, 200);
    let xml = Document::parse(&body).unwrap();
    let metadata = xml.root_element();
    assert!(metadata.has_tag_name((MMD, "metadata")));
    let list = child(metadata, "recording-list");
    assert_eq!(list.attribute("count"), Some("3"));
    assert_eq!(list.attribute("offset"), Some("0"));
    let best = child(list, "recording");
    assert_eq!(best.attribute((EXT, "score")), Some("100"));
    assert_eq!(text_of(best, "title"), "Glass Harbour");
    assert_eq!(text_of(best, "length"), "214000");
    let artist = child(child(child(best, "artist-credit"), "name-credit"), "artist");
    assert_eq!(text_of(artist, "name"), "Aurora Lane");
    let release = child(child(best, "release-list"), "release");
    assert_eq!(text_of(release, "title"), "Northern Lights");
    assert_eq!(text_of(release, "status"), "Official");
    let media = child(release, "medium-list");
    let track_count: u32 = text_of(media, "track-count").parse().unwrap();
    assert!(track_count > 1, "an album has several tracks");
    let track_list = child(child(media, "medium"), "track-list");
    assert_eq!(text_of(child(track_list, "track"), "number"), "1");
    let isrc = child(child(best, "isrc-list"), "isrc");
    assert_eq!(isrc.attribute("id"), Some("GBSBX1900001"));
}

#[tokio::test]
async fn json_is_served_for_fmt_json_or_an_accept_header() {
    let app = spawn_fast().await;
    let by_accept = app
        .musicbrainz_get("/ws/2/isrc/GBSBX1900001")
        .header("accept", "application/json; charset=utf-8")
        .send()
        .await
        .unwrap();
    assert_eq!(by_accept.status(), 200);
    let body: Value = by_accept.json().await.unwrap();
    assert_eq!(body["isrc"], "GBSBX1900001");
    // fmt=xml wins over the header.
    let (status, body) = get_xml(&app, "/ws/2/isrc/GBSBX1900001?fmt=xml").await;
    assert_eq!(status, 200);
    assert!(Document::parse(&body).is_ok());
}

#[tokio::test]
async fn lookups_and_errors_answer_xml_too() {
    let app = spawn_fast().await;
    let (status, body) = get_xml(&app, "/ws/2/isrc/GBSBX1900001?inc=artist-credits+releases").await;
    assert_eq!(status, 200);
    let xml = Document::parse(&body).unwrap();
    let isrc = child(xml.root_element(), "isrc");
    assert_eq!(isrc.attribute("id"), Some("GBSBX1900001"));
    let list = child(isrc, "recording-list");
    assert_eq!(list.attribute("count"), Some("1"));
    let recording = child(list, "recording");
    let mbid = recording.attribute("id").unwrap().to_owned();
    assert_eq!(recording.attribute((EXT, "score")), None);
    let release = child(child(recording, "release-list"), "release");
    assert_eq!(
        text_of(child(release, "release-group"), "primary-type"),
        "Album"
    );

    let (status, body) = get_xml(&app, &format!("/ws/2/recording/{mbid}?inc=isrcs")).await;
    assert_eq!(status, 200);
    let xml = Document::parse(&body).unwrap();
    let recording = child(xml.root_element(), "recording");
    assert_eq!(text_of(recording, "title"), "Glass Harbour");

    let (status, body) = get_xml(&app, "/ws/2/isrc/USXXX0000001").await;
    assert_eq!(status, 404);
    let error = Document::parse(&body).unwrap();
    assert!(error.root_element().has_tag_name("error"));
    assert_eq!(
        error.root_element().first_element_child().unwrap().text(),
        Some("Not Found")
    );
}

#[tokio::test]
async fn a_trailing_slash_on_the_resource_is_ignored() {
    let app = spawn_fast().await;
    let search = app
        .musicbrainz_get("/ws/2/recording/")
        .query(&[("query", QUERY), ("fmt", "json")])
        .send()
        .await
        .unwrap();
    assert_eq!(search.status(), 200);
    let body: Value = search.json().await.unwrap();
    assert_eq!(body["count"], 3);
    let lookup = app
        .musicbrainz_get("/ws/2/isrc/GBSBX1900001/?fmt=json")
        .send()
        .await
        .unwrap();
    assert_eq!(lookup.status(), 200);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
