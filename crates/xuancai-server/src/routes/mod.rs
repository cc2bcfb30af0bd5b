//! One module per HTTP resource, and the router that joins them.
//!
//! Every route is added through [`Api::add`] together with its [`RouteDoc`],
//! so the OpenAPI document (`GET /api/v1/openapi.json`) and the
//! authorisation matrix test are generated from the same table as the
//! router: a route cannot exist undocumented.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use xuancai_app::App;
use xuancai_store::Store;

use xuancai_app::config::Config;

pub mod albums;
pub mod auth;
pub mod blessings;
pub mod coins;
pub mod comments;
pub mod consents;
pub mod contact;
pub mod documents;
pub mod events;
pub mod guardian;
pub mod health;
pub mod jobs;
pub mod me;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod ops;
mod paging;
pub mod photos;
mod privacy_routes;
pub mod requests;
mod schema;

mod studio;
pub mod templates;
pub mod web;
pub mod works;

pub use paging::{Page, PhotosPage, encode_cursor, next_cursor, photos_page};

/// A JSON Schema generated from a Rust type (the OpenAPI document's request,
/// query and response schemas come from the types the handlers use).
pub type SchemaFn = fn(&mut schemars::SchemaGenerator) -> schemars::Schema;

fn schema_of<T: schemars::JsonSchema>(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    g.subschema_for::<T>()
}

/// What a route's request body is.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    /// A JSON object of this type (`AppJson<T>`).
    Json(SchemaFn),
    /// `multipart/form-data` with the image in the field `file` (`AppMultipart`).
    Multipart,
}

/// What a route answers with on success.
#[derive(Debug, Clone, Copy)]
pub enum Success {
    /// No body (204), or a body the document does not describe yet.
    Empty,
    /// JSON of this type.
    Json(SchemaFn),
    /// Bytes of this media type (an image, a ZIP, HTML, an event stream).
    Media(&'static str),
}

/// One documented operation.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    pub method: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    /// Needs a session (401 without one).
    pub auth: bool,
    /// The success status.
    pub ok: u16,
    /// Another success status (an upload of a photo already there: 200).
    pub also_ok: Option<u16>,
    /// The success body.
    pub success: Success,
    /// The request body.
    pub body: Option<Body>,
    /// The query string's parameters, from the type the handler parses.
    pub query: Option<SchemaFn>,
    /// Error statuses beyond the ones the extractors give (see `openapi`).
    pub may: &'static [u16],
    /// Requirement IDs this operation keeps.
    pub keeps: &'static str,
}

const fn doc(method: &'static str, path: &'static str, tag: &'static str, summary: &'static str) -> RouteDoc {
    RouteDoc {
        method,
        path,
        tag,
        summary,
        auth: true,
        ok: 200,
        also_ok: None,
        success: Success::Empty,
        body: None,
        query: None,
        may: &[],
        keeps: "",
    }
}

impl RouteDoc {
    const fn public(mut self) -> Self {
        self.auth = false;
        self
    }
    const fn ok(mut self, status: u16) -> Self {
        self.ok = status;
        self
    }
    const fn also_ok(mut self, status: u16) -> Self {
        self.also_ok = Some(status);
        self
    }
    /// The body is a JSON object of type `T`.
    const fn body<T: schemars::JsonSchema>(mut self) -> Self {
        self.body = Some(Body::Json(schema_of::<T>));
        self
    }
    const fn multipart(mut self) -> Self {
        self.body = Some(Body::Multipart);
        self
    }
    /// The query string parses into `T`.
    const fn query<T: schemars::JsonSchema>(mut self) -> Self {
        self.query = Some(schema_of::<T>);
        self
    }
    /// The success answer is JSON of type `T`.
    const fn returns<T: schemars::JsonSchema>(mut self) -> Self {
        self.success = Success::Json(schema_of::<T>);
        self
    }
    /// The success answer is bytes of this media type.
    const fn media(mut self, media_type: &'static str) -> Self {
        self.success = Success::Media(media_type);
        self
    }
    /// The use case can also answer these error statuses.
    const fn may(mut self, statuses: &'static [u16]) -> Self {
        self.may = statuses;
        self
    }
    const fn keeps(mut self, ids: &'static str) -> Self {
        self.keeps = ids;
        self
    }
}

/// The router under construction and its documentation.
struct Api<S> {
    router: Router<Arc<App<S>>>,
    docs: Vec<RouteDoc>,
}

impl<S: Store> Api<S> {
    /// Add a group of routes kept in another module.
    fn merge(self, group: fn(Self) -> Self) -> Self {
        group(self)
    }

    fn add(mut self, d: RouteDoc, route: MethodRouter<Arc<App<S>>>) -> Self {
        self.router = self.router.route(d.path, route);
        self.docs.push(d);
        self
    }
}

/// Every route, with its documentation.
fn api<S: Store>(config: &Config) -> Api<S> {
    let upload_limit = usize::try_from(config.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    let api = Api {
        router: Router::new(),
        docs: Vec::new(),
    };
    api.add(
        doc("GET", "/health", "ops", "The process answers")
            .public()
            .returns::<health::Health>(),
        get(health::health),
    )
    .add(
        doc("GET", "/ready", "ops", "The database and blob store answer")
            .public()
            .returns::<health::Health>(),
        get(health::ready::<S>),
    )
    .add(
        doc(
            "GET",
            "/metrics",
            "ops",
            "Prometheus metrics, with the operator's metrics token (404 without one configured)",
        )
        .public()
        .may(&[401, 404])
        .media("text/plain"),
        get(metrics::serve::<S>),
    )
    .add(
        doc("GET", "/api/v1/openapi.json", "ops", "This document")
            .public()
            .returns::<serde_json::Value>(),
        get(openapi::serve),
    )
    .add(
        doc(
            "POST",
            "/api/v1/auth/code",
            "auth",
            "Send a one-time login code by SMS",
        )
        .public()
        .body::<auth::CodeRequest>()
        .ok(202)
        .keeps("ACC-1")
        .may(&[403, 409, 429])
        .returns::<auth::CodeSent>(),
        post(auth::request_code::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/auth/login",
            "auth",
            "Sign in with the code; starts a session",
        )
        .public()
        .body::<auth::LoginRequest>()
        .keeps("ACC-1 ACC-2 ACC-4")
        .may(&[401, 403, 409, 429])
        .returns::<crate::respond::Signed>(),
        post(auth::login::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/auth/password",
            "auth",
            "Sign in with phone number and password",
        )
        .public()
        .body::<auth::PasswordLogin>()
        .keeps("ACC-3 SEC-2")
        .may(&[401, 429, 503])
        .returns::<crate::respond::Signed>(),
        post(auth::password_login::<S>),
    )
    .add(
        doc("POST", "/api/v1/auth/logout", "auth", "End this session")
            .ok(204)
            .keeps("ACC-4"),
        post(auth::logout::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/me",
            "profile",
            "The signed-in account and profile",
        )
        .keeps("ACC-5 R-1")
        .returns::<me::Profile>(),
        get(me::me::<S>),
    )
    .add(
        doc("PATCH", "/api/v1/me", "profile", "Change nickname or birth date")
            .body::<me::ProfilePatch>()
            .keeps("ACC-5 R-2")
            .returns::<me::Profile>(),
        patch(me::update::<S>),
    )
    .add(
        doc("GET", "/api/v1/me/avatar", "profile", "The avatar image (WebP)")
            .keeps("ACC-5")
            .media("image/webp"),
        get(me::avatar::<S>),
    )
    .add(
        doc("PUT", "/api/v1/me/avatar", "profile", "Upload an avatar")
            .multipart()
            .keeps("ACC-5 SEC-4")
            .may(&[422])
            .returns::<me::Profile>(),
        put(me::set_avatar::<S>).layer(DefaultBodyLimit::max(upload_limit)),
    )
    .add(
        doc("DELETE", "/api/v1/me/avatar", "profile", "Remove the avatar").ok(204),
        delete(me::delete_avatar::<S>),
    )
    .add(
        doc(
            "PUT",
            "/api/v1/me/password",
            "profile",
            "Set or change the password",
        )
        .body::<me::PasswordBody>()
        .keeps("ACC-3 SEC-2")
        .may(&[401, 503])
        .returns::<crate::respond::Signed>(),
        put(me::set_password::<S>),
    )
    .add(
        doc("DELETE", "/api/v1/me/password", "profile", "Remove the password")
            .body::<me::PasswordBody>()
            .ok(204)
            .keeps("ACC-3")
            .may(&[401, 503]),
        delete(me::delete_password::<S>),
    )
    .merge(privacy_routes::routes)
    .add(
        doc(
            "GET",
            "/api/v1/coins",
            "coins",
            "Balance and ledger, newest first",
        )
        .keeps("ACC-8")
        .query::<Page>()
        .returns::<coins::Ledger>(),
        get(coins::ledger::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/coins/check-in",
            "coins",
            "Daily check-in (once per day)",
        )
        .ok(201)
        .keeps("ACC-8")
        .may(&[409])
        .returns::<coins::CheckIn>()
        .also_ok(200),
        post(coins::check_in::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/photos",
            "photos",
            "List photos, newest first (filter: library, favourites, archived, trash)",
        )
        .keeps("IMG-1 SEC-6")
        .query::<photos::ListQuery>()
        .returns::<PhotosPage<'static>>(),
        get(photos::list::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/photos",
            "photos",
            "Upload a photo (multipart field `file`)",
        )
        .multipart()
        .ok(201)
        .keeps("IMG-1 SEC-4")
        .returns::<photos::Uploaded<'static>>()
        .also_ok(200)
        .may(&[422, 429]),
        post(photos::upload::<S>).layer(DefaultBodyLimit::max(upload_limit)),
    )
    .add(
        doc("GET", "/api/v1/photos/{id}", "photos", "One photo")
            .keeps("IMG-1 SEC-6")
            .returns::<xuancai_app::photos::PhotoView<'static>>(),
        get(photos::get_one::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/photos/{id}/faces",
            "photos",
            "The photo's faces, numbered as the face swap takes them (needs the face consent)",
        )
        .keeps("IMG-3 CON-3 SEC-6")
        .returns::<xuancai_app::studio::faces::PhotoFaces>(),
        get(photos::faces::<S>),
    )
    .add(
        doc("PATCH", "/api/v1/photos/{id}", "photos", "Favourite or archive")
            .body::<photos::PatchBody>()
            .keeps("IMG-1 SEC-6")
            .returns::<xuancai_app::photos::PhotoView<'static>>(),
        patch(photos::update::<S>),
    )
    .add(
        doc(
            "DELETE",
            "/api/v1/photos/{id}",
            "photos",
            "Move to the trash (`?permanent=true`: purge now)",
        )
        .ok(204)
        .keeps("IMG-1 SEC-6")
        .query::<photos::RemoveQuery>(),
        delete(photos::remove::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/photos/{id}/restore",
            "photos",
            "Restore from the trash",
        )
        .keeps("IMG-1 SEC-6")
        .returns::<xuancai_app::photos::PhotoView<'static>>(),
        post(photos::restore::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/photos/{id}/{variant}",
            "photos",
            "Image bytes: thumbnail, preview or original",
        )
        .keeps("IMG-1 SEC-6")
        .media("image/*"),
        get(photos::bytes::<S>),
    )
    .merge(studio::routes)
    .add(
        doc("GET", "/api/v1/albums", "albums", "List albums, newest first")
            .keeps("IMG-1 SEC-6")
            .query::<Page>()
            .returns::<albums::AlbumsPage>(),
        get(albums::list::<S>),
    )
    .add(
        doc("POST", "/api/v1/albums", "albums", "Create an album")
            .body::<albums::NameBody>()
            .ok(201)
            .keeps("IMG-1")
            .returns::<albums::AlbumView>(),
        post(albums::create::<S>),
    )
    .add(
        doc("GET", "/api/v1/albums/{id}", "albums", "One album")
            .keeps("IMG-1 SEC-6")
            .returns::<albums::AlbumView>(),
        get(albums::get_one::<S>),
    )
    .add(
        doc("PATCH", "/api/v1/albums/{id}", "albums", "Rename")
            .body::<albums::NameBody>()
            .keeps("IMG-1 SEC-6")
            .returns::<albums::AlbumView>(),
        patch(albums::rename::<S>),
    )
    .add(
        doc(
            "DELETE",
            "/api/v1/albums/{id}",
            "albums",
            "Delete the album (its photos stay)",
        )
        .ok(204)
        .keeps("IMG-1 SEC-6"),
        delete(albums::remove::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/albums/{id}/photos",
            "albums",
            "The album's photos, newest first",
        )
        .keeps("IMG-1 SEC-6")
        .query::<Page>()
        .returns::<PhotosPage<'static>>(),
        get(albums::photos::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/albums/{id}/photos",
            "albums",
            "Add photos (or move them with `from_album`)",
        )
        .body::<albums::AddBody>()
        .keeps("IMG-1 SEC-6")
        .returns::<albums::Added>(),
        post(albums::add_photos::<S>),
    )
    .add(
        doc(
            "DELETE",
            "/api/v1/albums/{id}/photos/{photo_id}",
            "albums",
            "Take a photo out of the album",
        )
        .ok(204)
        .keeps("IMG-1 SEC-6"),
        delete(albums::remove_photo::<S>),
    )
}

/// Every documented operation (what the router serves).
pub fn route_docs(config: &Config) -> Vec<RouteDoc> {
    // The docs do not depend on the store type; any backend gives the same table.
    api::<xuancai_app::store::Backend>(config).docs
}

pub fn router<S: Store>(state: Arc<App<S>>) -> Router {
    let api = api::<S>(&state.config);
    openapi::init(&api.docs);
    api.router
        .merge(web::routes())
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(state)
}
