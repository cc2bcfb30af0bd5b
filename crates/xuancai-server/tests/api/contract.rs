//! The API contract (issue 18 item 7): the OpenAPI document's schemas come
//! from the Rust types the handlers parse and answer with, and the server
//! keeps to them. schemathesis checks the whole document in `make test`
//! (`tools/api/contract.py`); these tests pin what it found.

use serde_json::{Value, json};

use crate::helpers::{jpeg, spawn_app};

/// Every key the response schema requires is in the answer, and no key of
/// the answer is missing from the schema's properties.
fn fits(schema: &Value, answer: &Value, what: &str) {
    let props = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{what}: the answer's schema has no properties: {schema}"));
    for key in schema["required"].as_array().into_iter().flatten() {
        let key = key.as_str().unwrap_or_default();
        assert!(
            answer.get(key).is_some(),
            "{what}: the answer has no `{key}`: {answer}"
        );
    }
    for key in answer.as_object().into_iter().flatten().map(|(k, _)| k) {
        assert!(
            props.contains_key(key),
            "{what}: `{key}` is answered but not documented"
        );
    }
}

fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not documented");
    op
}

#[tokio::test]
async fn contract_request_and_answer_schemas_come_from_the_types() {
    let app = spawn_app().await;
    let doc = app.get_json("/api/v1/openapi.json").await;

    // Every JSON body is described field by field, never a bare object.
    let mut bodies = 0;
    for (path, ops) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in ops.as_object().into_iter().flatten() {
            let body = &op["requestBody"]["content"]["application/json"]["schema"];
            if body.is_null() {
                continue;
            }
            bodies += 1;
            assert!(
                body["properties"].as_object().is_some_and(|p| !p.is_empty()) || body["oneOf"].is_array(),
                "{method} {path}: the body's schema says nothing: {body}"
            );
            for status in ["400", "413", "422", "500"] {
                assert!(
                    op["responses"][status].is_object(),
                    "{method} {path} does not list {status}"
                );
            }
        }
    }
    assert!(bodies >= 30, "only {bodies} JSON bodies are documented");

    // Every success but 202/204 says what it answers.
    for (path, ops) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in ops.as_object().into_iter().flatten() {
            for (status, answer) in op["responses"].as_object().into_iter().flatten() {
                if status.starts_with('2') && status != "202" && status != "204" {
                    assert!(
                        answer["content"].is_object(),
                        "{method} {path} answers {status} without saying what"
                    );
                }
            }
        }
    }

    // The rules of the parsers are in the schemas.
    let login = &operation(&doc, "post", "/api/v1/auth/login")["requestBody"]["content"]["application/json"]
        ["schema"];
    assert!(login["properties"]["phone"]["pattern"].is_string(), "{login}");
    assert!(login["properties"]["code"]["pattern"].is_string(), "{login}");
    let album =
        &operation(&doc, "post", "/api/v1/albums")["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(album["properties"]["name"]["maxLength"], 100, "{album}");
    assert_eq!(album["additionalProperties"], false, "{album}");
    let photos = operation(&doc, "get", "/api/v1/photos");
    let params: Vec<&str> = photos["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        params,
        ["filter", "cursor", "limit"],
        "the library's query parameters"
    );

    // A creating POST links to what it created, wherever its id is.
    let links = &operation(&doc, "post", "/api/v1/photos")["responses"]["201"]["links"];
    assert_eq!(
        links["get_api_v1_photos__id_"]["parameters"]["id"], "$response.body#/photo/id",
        "{links}"
    );

    // Real answers fit their published schemas.
    let token = app.login("13800138000", "+8613800138000").await;
    let created = app
        .json(
            "POST",
            "/api/v1/albums",
            &token,
            Some(&json!({ "name": "合同" })),
            201,
        )
        .await;
    let schema = |method: &str, path: &str, status: &str| {
        operation(&doc, method, path)["responses"][status]["content"]["application/json"]["schema"].clone()
    };
    fits(&schema("post", "/api/v1/albums", "201"), &created, "POST /albums");
    let r = app.upload(&token, "a.jpg", jpeg(64, 48, 1)).await;
    assert_eq!(r.status(), 201);
    let uploaded: Value = r.json().await.unwrap_or_default();
    fits(
        &schema("post", "/api/v1/photos", "201"),
        &uploaded,
        "POST /photos",
    );
    let photo_schema = schema("get", "/api/v1/photos/{id}", "200");
    fits(&photo_schema, &uploaded["photo"], "the uploaded photo");
    let list = app.json("GET", "/api/v1/albums", &token, None, 200).await;
    let list_schema = schema("get", "/api/v1/albums", "200");
    fits(&list_schema, &list, "GET /albums");
    fits(
        &list_schema["properties"]["items"]["items"],
        &list["items"][0],
        "an album",
    );
    let work = app
        .json(
            "POST",
            "/api/v1/works",
            &token,
            Some(&json!({ "photo": uploaded["photo"]["id"], "title": "t", "visibility": "public" })),
            201,
        )
        .await;
    fits(&schema("post", "/api/v1/works", "201"), &work, "POST /works");
    fits(
        &schema("post", "/api/v1/works", "201")["properties"]["author"],
        &work["author"],
        "a work's author",
    );
    app.cleanup().await;
}

/// As a JSON body's unknown fields are refused, so is a multipart upload's
/// second part: nothing is stored.
#[tokio::test]
async fn img1_contract_an_upload_with_an_undocumented_part_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let token = app.login("13800138000", "+8613800138000").await;
    for (method, path) in [("POST", "/api/v1/photos"), ("PUT", "/api/v1/me/avatar")] {
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(jpeg(64, 48, 2)).file_name("a.jpg"),
            )
            .text("x-unknown", "42");
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let r = app
            .client
            .request(m, app.url(path))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), 400, "{method} {path}");
        let v: Value = r.json().await.unwrap_or_default();
        assert_eq!(v["code"], "invalid_multipart", "{method} {path}: {v}");
    }
    let photos = app.json("GET", "/api/v1/photos", &token, None, 200).await;
    assert_eq!(photos["items"], json!([]), "no photo was stored");
    let me = app.json("GET", "/api/v1/me", &token, None, 200).await;
    assert_eq!(me["avatar"], Value::Null, "no avatar was stored");
    app.cleanup().await;
}

/// JSON Schema's `integer` includes `5.0`: a count written so is the same
/// count (schemathesis sent it; serde refused it as "a float").
#[tokio::test]
async fn contract_whole_numbers_may_be_written_with_a_fraction_of_zero() {
    let app = spawn_app().await;
    let token = app.login("13800138000", "+8613800138000").await;
    app.consent(&token, "analytics", true).await;
    let batch =
        |d: Value| json!({ "events": [{ "kind": "page_view", "page": "/albums", "duration_ms": d }] });
    app.json("POST", "/api/v1/events", &token, Some(&batch(json!(1200.0))), 202)
        .await;
    for refused in [json!(1200.5), json!(-1), json!(1e300)] {
        let v = app
            .json(
                "POST",
                "/api/v1/events",
                &token,
                Some(&batch(refused.clone())),
                400,
            )
            .await;
        assert_eq!(v["code"], "invalid_json", "{refused}");
    }
    app.cleanup().await;
}

/// A path segment that names nothing the service has is 404 — an unknown
/// consent purpose, a malformed request id — never a 400 for a URL that
/// fits the document.
#[tokio::test]
async fn contract_a_path_that_names_nothing_is_not_found() {
    let app = spawn_app().await;
    let token = app.login("13800138000", "+8613800138000").await;
    let r = app
        .call(
            "PUT",
            "/api/v1/me/consents/0",
            Some(&token),
            Some(&json!({ "granted": true })),
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .call("GET", "/api/v1/me/requests/0/download", Some(&token), None)
        .await;
    assert_eq!(r.status(), 404);
    app.cleanup().await;
}
