//! The studio's and the works' routes (issue 7): jobs, templates, works,
//! comments and blessings — kept apart from the table in `mod.rs` so that
//! each file stays readable.

use axum::routing::{delete, get, patch, post};
use xuancai_store::Store;

use super::{Api, blessings, comments, doc, jobs, templates, works};

pub(super) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.add(
        doc(
            "POST",
            "/api/v1/jobs",
            "studio",
            "Queue a studio job on stored photos: cutout (background replacement), face swap \
             (face consent and the subjects' affirmation; labelled as AI-generated), sticker or sticker pack",
        )
        .body::<xuancai_app::studio::spec::JobRequest>()
        .ok(202)
        .keeps("IMG-2 IMG-3 IMG-4 IMG-5 CON-3")
        .returns::<jobs::JobView>()
        .may(&[409, 429]),
        post(jobs::create::<S>),
    )
    .add(
        doc("GET", "/api/v1/jobs", "studio", "The user's jobs, newest first")
            .keeps("IMG-2 SEC-6")
            .query::<jobs::ListQuery>()
            .returns::<jobs::Jobs>(),
        get(jobs::list::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/jobs/{id}",
            "studio",
            "One job: state, progress, result or error",
        )
        .keeps("IMG-2 SEC-6")
        .returns::<jobs::JobView>(),
        get(jobs::get_one::<S>),
    )
    .add(
        doc(
            "DELETE",
            "/api/v1/jobs/{id}",
            "studio",
            "Delete a finished or failed job and what it made (a photo saved from it stays)",
        )
        .ok(204)
        .keeps("IMG-2 SEC-6")
        .may(&[409]),
        delete(jobs::remove::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/jobs/{id}/events",
            "studio",
            "The job's changes as server-sent events, until it is done or failed",
        )
        .keeps("IMG-2 SEC-6")
        .media("text/event-stream")
        .may(&[429]),
        get(jobs::events::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/jobs/{id}/download",
            "studio",
            "A finished sticker-pack job's ZIP, in the platform's import layout, named after the pack \
             (`?format=wastickers`: a WhatsApp pack as the file WhatsApp's sticker-import apps open)",
        )
        .keeps("IMG-4 SEC-6")
        .query::<jobs::DownloadQuery>()
        .media("application/zip"),
        get(jobs::download::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/jobs/{id}/stickers/{n}",
            "studio",
            "Sticker n (from 1) of a finished pack, to see the pack before downloading it",
        )
        .keeps("IMG-4 SEC-6")
        .media("image/*"),
        get(jobs::sticker::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/jobs/{id}/result",
            "studio",
            "A finished job's result at full resolution (every kind but a pack), kept with the job \
             until saved, named after the photo it was made from",
        )
        .keeps("IMG-2 IMG-3 IMG-4 SEC-6")
        .media("image/*")
        .may(&[409]),
        get(jobs::result::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/jobs/{id}/result/preview",
            "studio",
            "The result's preview: about 1440 px, WebP with its transparency, to show and to compose \
             backgrounds on in the browser",
        )
        .keeps("IMG-2 SEC-6")
        .media("image/webp")
        .may(&[409]),
        get(jobs::result_preview::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/jobs/{id}/save",
            "studio",
            "Save a finished job's result to the library (201; 200 when it was saved before)",
        )
        .ok(201)
        .keeps("IMG-1 IMG-2 SEC-6")
        .returns::<jobs::Saved>()
        .may(&[409, 422, 429]),
        post(jobs::save::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/templates",
            "studio",
            "Sticker and greeting templates",
        )
        .public()
        .keeps("IMG-4")
        .returns::<templates::Catalogue>(),
        get(templates::list),
    )
    .add(
        doc(
            "GET",
            "/api/v1/templates/recommended",
            "studio",
            "Templates ranked by your use while personalisation is on, else by popularity",
        )
        .keeps("IMG-4 CON-6 ADS-1")
        .query::<templates::RecommendQuery>()
        .returns::<templates::Recommended>(),
        get(templates::recommended::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/templates/{name}",
            "studio",
            "One template as data (JSON)",
        )
        .public()
        .keeps("IMG-4")
        .returns::<serde_json::Value>(),
        get(templates::get_one),
    )
    .add(
        doc(
            "POST",
            "/api/v1/works",
            "works",
            "Save one of your photos as a work (public, link or private)",
        )
        .body::<works::CreateBody>()
        .ok(201)
        .keeps("IMG-6 DATA-3")
        .returns::<works::WorkView>()
        .may(&[429]),
        post(works::create::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/works/feed",
            "works",
            "Public works, newest first, with their authors",
        )
        .public()
        .keeps("IMG-6 DATA-3 R-8")
        .query::<works::FeedQuery>()
        .returns::<works::WorksPage>(),
        get(works::feed::<S>),
    )
    .add(
        doc("GET", "/api/v1/me/works", "works", "All of your works")
            .keeps("IMG-6")
            .returns::<works::WorksPage>(),
        get(works::mine::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/works/{id}",
            "works",
            "One work, if you may see it (`?share=` for link-only)",
        )
        .public()
        .keeps("IMG-6 R-8")
        .query::<crate::extract::ShareQuery>()
        .returns::<works::WorkView>(),
        get(works::get_one::<S>),
    )
    .add(
        doc(
            "PATCH",
            "/api/v1/works/{id}",
            "works",
            "Retitle, change visibility, or make a new share link",
        )
        .body::<works::PatchBody>()
        .keeps("IMG-6 R-8")
        .returns::<works::WorkView>(),
        patch(works::update::<S>),
    )
    .add(
        doc(
            "DELETE",
            "/api/v1/works/{id}",
            "works",
            "Delete a work everywhere at once",
        )
        .ok(204)
        .keeps("IMG-6 R-8"),
        delete(works::remove::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/works/{id}/image",
            "works",
            "The work's image, if you may see it",
        )
        .public()
        .keeps("IMG-6 R-8")
        .query::<crate::extract::ShareQuery>()
        .media("image/*"),
        get(works::image::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/works/{id}/comments",
            "works",
            "A work's comments, oldest first",
        )
        .public()
        .keeps("IMG-6 DATA-3")
        .query::<crate::extract::ShareQuery>()
        .returns::<comments::Comments>(),
        get(comments::list::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/works/{id}/comments",
            "works",
            "Comment on a work you may see",
        )
        .body::<comments::CommentBody>()
        .ok(201)
        .keeps("IMG-6 DATA-3")
        .returns::<comments::CommentView>()
        .may(&[429]),
        post(comments::create::<S>),
    )
    .add(
        doc(
            "DELETE",
            "/api/v1/works/{id}/comments/{comment_id}",
            "works",
            "Delete a comment (its author, or the work's owner)",
        )
        .ok(204)
        .keeps("IMG-6 R-8"),
        delete(comments::remove::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/works/{id}/comments/{comment_id}/report",
            "works",
            "Report a comment for moderation",
        )
        .body::<comments::ReportBody>()
        .ok(202)
        .keeps("IMG-6"),
        post(comments::report::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/users/{id}/works",
            "works",
            "A user's page: their public works",
        )
        .public()
        .keeps("IMG-6 DATA-3")
        .returns::<works::UserPage>(),
        get(works::user_page::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/users/{id}/avatar",
            "works",
            "The avatar shown beside a user's public works",
        )
        .public()
        .keeps("DATA-3")
        .media("image/webp"),
        get(works::avatar::<S>),
    )
    .add(
        doc(
            "POST",
            "/api/v1/blessings",
            "works",
            "Send a work or template with a message to another user",
        )
        .body::<blessings::SendBody>()
        .ok(201)
        .keeps("IMG-6 DATA-3")
        .may(&[429])
        .returns::<blessings::BlessingView>(),
        post(blessings::send::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/blessings/people",
            "works",
            "The people you have interacted with, to send a blessing to",
        )
        .keeps("IMG-6 DATA-3")
        .returns::<blessings::People>(),
        get(blessings::people::<S>),
    )
    .add(
        doc("GET", "/api/v1/blessings", "works", "Your inbox of blessings")
            .keeps("IMG-6")
            .returns::<blessings::Inbox>(),
        get(blessings::inbox::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/blessings/{id}/image",
            "works",
            "The image of a blessing you received",
        )
        .keeps("IMG-6")
        .media("image/*"),
        get(blessings::image::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/blessings/shared/{token}",
            "works",
            "A blessing by its share link",
        )
        .public()
        .keeps("IMG-6 R-8")
        .returns::<blessings::BlessingView>(),
        get(blessings::shared::<S>),
    )
    .add(
        doc(
            "GET",
            "/api/v1/blessings/shared/{token}/image",
            "works",
            "Its image",
        )
        .public()
        .keeps("IMG-6")
        .media("image/*"),
        get(blessings::shared_image::<S>),
    )
}
