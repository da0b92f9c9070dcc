//! R17 attachments over HTTP, on SQLite and PostgreSQL: every status and code of api.md's
//! "Claim lifecycle and attachments", the limits refused while the bytes stream in, the files in
//! backup, restore and verify, and the claim's page and 报销单 with thirty of them.

use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;
use crate::web::Visitor;

const MIB: usize = 1024 * 1024;

pub(crate) fn pdf(n: usize) -> Vec<u8> {
    format!("%PDF-1.7\n% 住宿发票 {n}\n1 0 obj <<>> endobj\n%%EOF\n").into_bytes()
}

fn png(n: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend(n.to_le_bytes());
    bytes
}

fn jpeg() -> Vec<u8> {
    b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9".to_vec()
}

fn xml() -> Vec<u8> {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<EInvoice><InvoiceNumber>21132000000012345678</InvoiceNumber></EInvoice>"
        .as_bytes()
        .to_vec()
}

/// A ZIP with one empty stored entry `name` (an OFD package when it is `OFD.xml`).
fn zip_with(name: &str) -> Vec<u8> {
    let n = name.as_bytes();
    let length = u16::try_from(n.len()).unwrap().to_le_bytes();
    let mut zip = b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0".to_vec();
    zip.extend([0; 12]);
    zip.extend(length);
    zip.extend([0, 0]);
    zip.extend(n);
    let central = u32::try_from(zip.len()).unwrap();
    zip.extend(b"PK\x01\x02\x14\0\x14\0\0\0\0\0\0\0\0\0");
    zip.extend([0; 12]);
    zip.extend(length);
    zip.extend([0; 16]);
    zip.extend(n);
    zip.extend(b"PK\x05\x06\0\0\0\0\x01\0\x01\0\0\0\0\0");
    zip.extend(central.to_le_bytes());
    zip.extend([0, 0]);
    zip
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn files_of(claim: i64) -> String {
    format!("/api/v1/travel-claims/{claim}/attachments")
}

/// Sends `bytes` as the body, named by `Content-Disposition`, with whatever `Content-Type`.
pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    claim: i64,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Reply {
    let request = app
        .client
        .post(app.url(&files_of(claim)))
        .bearer_auth(token)
        .header("content-type", content_type)
        .header(
            "content-disposition",
            format!("attachment; filename=\"{name}\""),
        )
        .body(bytes);
    app.send(request).await
}

const BOUNDARY: &str = "----baoxiao-form-7d1f";

/// A `multipart/form-data` body: text fields, then files (name, bytes).
pub(crate) fn form_data(texts: &[(&str, &str)], files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in texts {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .into_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .into_bytes(),
        );
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").into_bytes());
    body
}

pub(crate) fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

struct Setup {
    app: TestApp,
    claimant: String,
    finance: String,
    claim: i64,
}

async fn setup() -> Setup {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let claim = app.submit(&claimant, &r8_claim(line)).await;
    Setup {
        app,
        claimant,
        finance,
        claim,
    }
}

#[tokio::test]
async fn a_claimant_attaches_lists_downloads_and_removes_files() {
    let Setup {
        app,
        claimant,
        finance,
        claim,
    } = setup().await;
    let invoice = pdf(1);
    let added = upload(
        &app,
        &claimant,
        claim,
        "住宿发票.pdf",
        "application/pdf",
        invoice.clone(),
    )
    .await;
    added.assert(201, "");
    assert_eq!(added.body["name"], "住宿发票.pdf");
    assert_eq!(added.body["media_type"], "application/pdf");
    assert_eq!(added.body["size"], invoice.len());
    assert_eq!(added.body["sha256"], sha256(&invoice));
    let id = added.body["id"].as_i64().unwrap();

    // The same bytes again, under another name: the file already there, stored once (200).
    let again = upload(
        &app,
        &claimant,
        claim,
        "副本.pdf",
        "application/pdf",
        invoice.clone(),
    )
    .await;
    again.assert(200, "");
    assert_eq!(again.body["id"], id);
    assert_eq!(again.body["name"], "住宿发票.pdf");

    // Several files at once as a form: a list, in the order sent.
    let (picture, xml) = (png(1), xml());
    let body = form_data(&[], &[("车票.png", &picture), ("发票.xml", &xml)]);
    let request = app
        .client
        .post(app.url(&files_of(claim)))
        .bearer_auth(&claimant)
        .header("content-type", multipart_type())
        .body(body);
    let both = app.send(request).await;
    both.assert(201, "");
    let media: Vec<&str> = both
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["media_type"].as_str().unwrap())
        .collect();
    assert_eq!(media, ["image/png", "application/xml"]);
    // A form of files the claim holds already: 200.
    let body = form_data(&[], &[("again.png", &picture)]);
    let request = app
        .client
        .post(app.url(&files_of(claim)))
        .bearer_auth(&claimant)
        .header("content-type", multipart_type())
        .body(body);
    app.send(request).await.assert(200, "");

    // Whoever reads the claim lists and downloads its files.
    for token in [&claimant, &finance, &app.admin] {
        let list = app.get(token, &files_of(claim)).await;
        list.assert(200, "");
        assert_eq!(list.body.as_array().unwrap().len(), 3);
        assert!(list.body[0].get("content").is_none());
    }
    let response = app
        .client
        .get(app.url(&format!("{}/{id}", files_of(claim))))
        .bearer_auth(&finance)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"____.pdf\"; filename*=UTF-8''%E4%BD%8F%E5%AE%BF%E5%8F%91%E7%A5%A8.pdf"
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), invoice);

    // The claim carries the count, in its view and in the list of claims.
    let view = app
        .get(&claimant, &format!("/api/v1/travel-claims/{claim}"))
        .await;
    assert_eq!(view.body["attachment_count"], 3);
    let listed = app.get(&finance, "/api/v1/travel-claims").await;
    assert_eq!(listed.body[0]["attachment_count"], 3);

    // Removed: 204, gone from the list, and a second removal finds nothing.
    let path = format!("{}/{id}", files_of(claim));
    let removed = app
        .send(app.client.delete(app.url(&path)).bearer_auth(&claimant))
        .await;
    assert_eq!(removed.status.as_u16(), 204);
    app.send(app.client.delete(app.url(&path)).bearer_auth(&claimant))
        .await
        .assert(404, "not_found");
    app.get(&claimant, &path).await.assert(404, "not_found");
    assert_eq!(
        app.get(&claimant, &files_of(claim))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Each addition and removal is in the claim's history, with who and when.
    let view = app
        .get(&claimant, &format!("/api/v1/travel-claims/{claim}"))
        .await;
    assert_eq!(view.body["attachment_count"], 2);
    let actions: Vec<&str> = view.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["submit", "attach", "attach", "attach", "remove_attachment"]
    );
    let removal = &view.body["history"][4];
    assert_eq!(removal["note"], "住宿发票.pdf");
    assert_eq!(removal["to_status"], "submitted");
    assert!(removal["at"].as_str().is_some_and(|at| at.ends_with('Z')));
    // …and in the audit log.
    let audit = app.get(&app.admin, "/api/v1/audit-events").await;
    let logged = audit
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["entity_id"] == claim
                && (e["action"] == "attach" || e["action"] == "remove_attachment")
        })
        .count();
    assert_eq!(logged, 4, "{}", audit.body);
}

#[tokio::test]
async fn the_type_is_read_from_the_bytes_never_from_the_name() {
    let Setup {
        app,
        claimant,
        claim,
        ..
    } = setup().await;
    // A web page named and sent as a PDF, a ZIP that is no OFD, nothing at all: 415.
    let page = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
    for (name, content_type, bytes) in [
        ("发票.pdf", "application/pdf", page),
        ("发票.ofd", "application/ofd", zip_with("word/document.xml")),
        ("空.pdf", "application/pdf", Vec::new()),
        ("图.png", "image/png", b"GIF89a\x01\0\x01\0".to_vec()),
    ] {
        upload(&app, &claimant, claim, name, content_type, bytes)
            .await
            .assert(415, "unsupported_attachment");
    }
    // What the bytes are decides, whatever the name and the header say.
    for (name, bytes, media) in [
        ("发票.ofd", zip_with("OFD.xml"), "application/ofd"),
        ("photo.png", jpeg(), "image/jpeg"),
        ("invoice.txt", xml(), "application/xml"),
    ] {
        let added = upload(&app, &claimant, claim, name, "text/html", bytes).await;
        added.assert(201, "");
        assert_eq!(added.body["media_type"], media);
    }
    // The name is cleaned: no folders, no quotes.
    let added = upload(
        &app,
        &claimant,
        claim,
        "../../票/a<b>.pdf",
        "application/pdf",
        pdf(9),
    )
    .await;
    added.assert(201, "");
    assert_eq!(added.body["name"], "a_b_.pdf");
    let list = app.get(&claimant, &files_of(claim)).await;
    assert_eq!(list.body.as_array().unwrap().len(), 4);
}

/// The head of an upload sent over a plain connection, its body to follow.
fn upload_head(app: &TestApp, token: &str, claim: i64, length: &str) -> String {
    let host = app.address.trim_start_matches("http://");
    format!(
        "POST {} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"big.pdf\"\r\n{length}\r\n",
        files_of(claim)
    )
}

/// Reads what the server answers until it closes the connection (or resets it).
async fn answer_of(mut read: tokio::net::tcp::OwnedReadHalf) -> String {
    let mut answer = Vec::new();
    let mut buffer = [0; 8192];
    while let Ok(n) = read.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_file_over_10_mib_is_refused_while_it_streams() {
    let Setup {
        app,
        claimant,
        claim,
        ..
    } = setup().await;
    let host = app.address.trim_start_matches("http://").to_string();

    // Announced too large: refused before a byte of the body is sent.
    let stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let (read, mut write) = stream.into_split();
    let head = upload_head(
        &app,
        &claimant,
        claim,
        &format!("Content-Length: {}\r\n", 10 * MIB + 1),
    );
    write.write_all(head.as_bytes()).await.unwrap();
    let answer = answer_of(read).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("\"code\":\"attachment_too_large\""),
        "{answer}"
    );

    // Not announced (chunked): refused once 10 MiB have passed, while the sender still offers
    // more. The sender would send 64 MiB and stops when the answer is in; the answer comes
    // after the limit, long before the end of the body.
    let stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let (read, mut write) = stream.into_split();
    let head = upload_head(&app, &claimant, claim, "Transfer-Encoding: chunked\r\n");
    write.write_all(head.as_bytes()).await.unwrap();
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sender = {
        let answered = answered.clone();
        tokio::spawn(async move {
            let mut chunk = format!("{:x}\r\n", MIB).into_bytes();
            chunk.extend(b"%PDF-1.7\n");
            chunk.resize(chunk.len() + MIB - 9, b'%');
            chunk.extend(b"\r\n");
            let mut sent = 0;
            while sent < 64 * MIB && !answered.load(std::sync::atomic::Ordering::SeqCst) {
                if write.write_all(&chunk).await.is_err() {
                    break;
                }
                sent += MIB;
            }
            let _ = write.shutdown().await;
            sent
        })
    };
    let mut read = read;
    let mut status_line = [0; 12];
    read.read_exact(&mut status_line).await.unwrap();
    answered.store(true, std::sync::atomic::Ordering::SeqCst);
    let answer = format!(
        "{}{}",
        String::from_utf8_lossy(&status_line),
        answer_of(read).await
    );
    let sent = sender.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("\"code\":\"attachment_too_large\""),
        "{answer}"
    );
    assert!(sent >= 10 * MIB, "refused after {sent} bytes only");
    assert!(
        sent < 64 * MIB,
        "answered only after the whole body ({sent} bytes)"
    );

    // Exactly 10 MiB is taken whole: no default limit of the server cuts it short.
    let mut largest = pdf(0);
    largest.resize(10 * MIB, b' ');
    let added = upload(
        &app,
        &claimant,
        claim,
        "扫描件.pdf",
        "application/pdf",
        largest.clone(),
    )
    .await;
    added.assert(201, "");
    assert_eq!(added.body["size"], 10 * MIB);
    assert_eq!(added.body["sha256"], sha256(&largest));
    assert_eq!(
        app.get(&claimant, &files_of(claim))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn thirty_files_a_claim_and_no_more() {
    let Setup {
        app,
        claimant,
        claim,
        ..
    } = setup().await;
    for n in 0..30 {
        upload(
            &app,
            &claimant,
            claim,
            &format!("票{n}.png"),
            "image/png",
            png(n),
        )
        .await
        .assert(201, "");
    }
    upload(&app, &claimant, claim, "票30.png", "image/png", png(30))
        .await
        .assert(409, "too_many_attachments");
    // One it holds is still answered as held.
    upload(&app, &claimant, claim, "票0.png", "image/png", png(0))
        .await
        .assert(200, "");
    // A place freed is a place to fill.
    let first = app.get(&claimant, &files_of(claim)).await.body[0]["id"]
        .as_i64()
        .unwrap();
    let path = format!("{}/{first}", files_of(claim));
    let removed = app
        .send(app.client.delete(app.url(&path)).bearer_auth(&claimant))
        .await;
    assert_eq!(removed.status.as_u16(), 204);
    upload(&app, &claimant, claim, "票30.png", "image/png", png(30))
        .await
        .assert(201, "");
    // The table itself holds no 31st: its places run from 1 to 30, each once a claim.
    {
        use baoxiao::db::schema::claim_attachments as files;
        use diesel::prelude::*;
        let mut c = app.pool.get().unwrap();
        let slots: Vec<i32> = files::table
            .filter(files::claim_id.eq(claim))
            .select(files::slot)
            .load(&mut *c)
            .unwrap();
        assert_eq!(slots.len(), 30);
        let extra = diesel::sql_query(format!(
            "INSERT INTO claim_attachments (org_id, claim_id, slot, name, media_type, size, sha256, added_by, added_at) \
             SELECT org_id, claim_id, 31, name, media_type, size, '{}', added_by, added_at \
             FROM claim_attachments WHERE claim_id = {claim} LIMIT 1",
            "e".repeat(64)
        ))
        .execute(&mut *c);
        assert!(extra.is_err(), "a 31st place was stored");
    }
}

#[tokio::test]
async fn files_change_only_before_the_first_decision() {
    let Setup {
        app,
        claimant,
        finance,
        claim,
    } = setup().await;
    let added = upload(
        &app,
        &claimant,
        claim,
        "发票.pdf",
        "application/pdf",
        pdf(1),
    )
    .await;
    added.assert(201, "");
    let id = added.body["id"].as_i64().unwrap();
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{claim}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    upload(
        &app,
        &claimant,
        claim,
        "补充.pdf",
        "application/pdf",
        pdf(2),
    )
    .await
    .assert(409, "invalid_transition");
    let path = format!("{}/{id}", files_of(claim));
    app.send(app.client.delete(app.url(&path)).bearer_auth(&claimant))
        .await
        .assert(409, "invalid_transition");
    // Still read and downloaded by all who read the claim.
    app.get(&claimant, &files_of(claim)).await.assert(200, "");
    let got = app
        .client
        .get(app.url(&path))
        .bearer_auth(&finance)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status().as_u16(), 200);
    // A rejected claim is decided too.
    let line = app.line_id("dept.project.petition-work.operations").await;
    let second = app.submit(&claimant, &r8_claim(line)).await;
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{second}/reject"),
        &json!({"reason": "补齐发票"}),
    )
    .await
    .assert(200, "");
    upload(
        &app,
        &claimant,
        second,
        "发票.pdf",
        "application/pdf",
        pdf(1),
    )
    .await
    .assert(409, "invalid_transition");
}

#[tokio::test]
async fn others_may_read_but_not_change_and_another_organisation_sees_nothing() {
    let Setup {
        app,
        claimant,
        finance,
        claim,
    } = setup().await;
    let added = upload(
        &app,
        &claimant,
        claim,
        "发票.pdf",
        "application/pdf",
        pdf(1),
    )
    .await;
    let id = added.body["id"].as_i64().unwrap();
    let path = format!("{}/{id}", files_of(claim));

    // Finance reads every claim but adds to none (403); another claimant does not see it (404);
    // one who sees every claim and also claims is refused another's claim (403).
    upload(&app, &finance, claim, "x.pdf", "application/pdf", pdf(2))
        .await
        .assert(403, "forbidden");
    app.send(app.client.delete(app.url(&path)).bearer_auth(&finance))
        .await
        .assert(403, "forbidden");
    let other = app.user("王五", &[R::Claimant]);
    upload(&app, &other, claim, "x.pdf", "application/pdf", pdf(2))
        .await
        .assert(404, "not_found");
    app.get(&other, &files_of(claim))
        .await
        .assert(404, "not_found");
    app.get(&other, &path).await.assert(404, "not_found");
    app.send(app.client.delete(app.url(&path)).bearer_auth(&other))
        .await
        .assert(404, "not_found");
    let both = app.user("赵六", &[R::Claimant, R::Finance]);
    upload(&app, &both, claim, "x.pdf", "application/pdf", pdf(2))
        .await
        .assert(403, "forbidden");

    // A file of one claim is not found under another.
    let line = app.line_id("dept.project.petition-work.operations").await;
    let own = app.submit(&other, &r8_claim(line)).await;
    app.get(&other, &format!("{}/{id}", files_of(own)))
        .await
        .assert(404, "not_found");
    app.send(
        app.client
            .delete(app.url(&format!("{}/{id}", files_of(own))))
            .bearer_auth(&other),
    )
    .await
    .assert(404, "not_found");

    // Another organisation: every role, every door, 404.
    baoxiao::services::users::add_org(&app.pool, "other-bureau", "另一个局").unwrap();
    let (_, outsider) = baoxiao::services::users::add_user(
        &app.pool,
        Some("other-bureau"),
        "外单位",
        &[R::Admin, R::Finance, R::BudgetHolder, R::Claimant],
    )
    .unwrap();
    app.get(&outsider, &files_of(claim))
        .await
        .assert(404, "not_found");
    app.get(&outsider, &path).await.assert(404, "not_found");
    upload(&app, &outsider, claim, "x.pdf", "application/pdf", pdf(3))
        .await
        .assert(404, "not_found");
    app.send(app.client.delete(app.url(&path)).bearer_auth(&outsider))
        .await
        .assert(404, "not_found");
    assert_eq!(
        app.get(&claimant, &files_of(claim))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

fn baoxiao(args: &[&str], url: &str, data_dir: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_baoxiao"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("BAOXIAO__APP__DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn verify_finds_a_file_whose_bytes_were_changed() {
    let Setup {
        app,
        claimant,
        claim,
        ..
    } = setup().await;
    upload(
        &app,
        &claimant,
        claim,
        "发票.pdf",
        "application/pdf",
        pdf(1),
    )
    .await
    .assert(201, "");
    upload(&app, &claimant, claim, "车票.png", "image/png", png(1))
        .await
        .assert(201, "");
    let out = baoxiao(&["verify"], &app.db_url, app.data_dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("2 files checked, 0 differ"), "{stdout}");

    // The bytes of one changed behind the service's back, the size of the other.
    {
        use baoxiao::db::schema::claim_attachment_parts as parts;
        use baoxiao::db::schema::claim_attachments as files;
        use diesel::prelude::*;
        let mut c = app.pool.get().unwrap();
        let pdf_id: i64 = files::table
            .filter(files::media_type.eq("application/pdf"))
            .select(files::id)
            .first(&mut *c)
            .unwrap();
        diesel::update(parts::table.filter(parts::attachment_id.eq(pdf_id)))
            .set(parts::bytes.eq(pdf(2)))
            .execute(&mut *c)
            .unwrap();
        diesel::update(files::table.filter(files::media_type.eq("image/png")))
            .set(files::size.eq(1))
            .execute(&mut *c)
            .unwrap();
    }
    let out = baoxiao(&["verify"], &app.db_url, app.data_dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("2 files checked, 2 differ"), "{stdout}");
    assert!(stdout.contains("\"发票.pdf\": sha256 differ"), "{stdout}");
    assert!(stdout.contains("\"车票.png\": size differ"), "{stdout}");
}

/// How many pieces file `id` is stored in.
fn pieces_of(app: &TestApp, id: i64) -> i64 {
    use baoxiao::db::schema::claim_attachment_parts as parts;
    use diesel::prelude::*;
    parts::table
        .filter(parts::attachment_id.eq(id))
        .count()
        .get_result(&mut *app.pool.get().unwrap())
        .unwrap()
}

#[tokio::test]
async fn a_file_of_several_pieces_comes_back_whole_and_verify_reads_every_piece() {
    let Setup {
        app,
        claimant,
        claim,
        ..
    } = setup().await;
    // 2.5 MiB: two whole pieces of 1 MiB and half of a third, no two pieces alike.
    let mut scan = pdf(9);
    scan.extend(
        (0_u32..)
            .flat_map(u32::to_le_bytes)
            .take(5 * MIB / 2 - scan.len()),
    );
    let added = upload(
        &app,
        &claimant,
        claim,
        "扫描件.pdf",
        "application/pdf",
        scan.clone(),
    )
    .await;
    added.assert(201, "");
    let id = added.body["id"].as_i64().unwrap();
    assert_eq!(added.body["size"], 5 * MIB / 2);
    assert_eq!(added.body["sha256"], sha256(&scan));
    assert_eq!(pieces_of(&app, id), 3);

    let response = app
        .client
        .get(app.url(&format!("{}/{id}", files_of(claim))))
        .bearer_auth(&claimant)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-length"].to_str().unwrap(),
        (5 * MIB / 2).to_string()
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let got = response.bytes().await.unwrap();
    assert!(got == scan, "the file came back changed");

    let out = baoxiao(&["verify"], &app.db_url, app.data_dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("1 files checked, 0 differ"), "{stdout}");

    // One byte of the middle piece changed behind the service's back, its length kept.
    {
        use baoxiao::db::schema::claim_attachment_parts as parts;
        use diesel::prelude::*;
        let mut middle = scan[MIB..2 * MIB].to_vec();
        middle[MIB / 2] ^= 1;
        diesel::update(parts::table.filter(parts::attachment_id.eq(id).and(parts::seq.eq(1))))
            .set(parts::bytes.eq(middle))
            .execute(&mut *app.pool.get().unwrap())
            .unwrap();
    }
    let out = baoxiao(&["verify"], &app.db_url, app.data_dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("\"扫描件.pdf\": sha256 differ"), "{stdout}");

    // Removing the file removes its pieces.
    let removed = app
        .send(
            app.client
                .delete(app.url(&format!("{}/{id}", files_of(claim))))
                .bearer_auth(&claimant),
        )
        .await;
    assert_eq!(removed.status.as_u16(), 204);
    assert_eq!(pieces_of(&app, id), 0);
}

#[tokio::test]
async fn a_backup_restores_every_file_byte_for_byte() {
    let Setup {
        app,
        claimant,
        claim,
        ..
    } = setup().await;
    let work = tempfile::tempdir().unwrap();
    let copy = work.path().join("copy.db");
    let copy_arg = copy.to_string_lossy().into_owned();
    if app.db_url.starts_with("postgres") {
        // The files are rows: pg_dump copies them with the rest, and the command says to use it.
        let out = baoxiao(
            &["backup", "--to", &copy_arg],
            &app.db_url,
            app.data_dir.path(),
        );
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        return;
    }
    let mut scan = pdf(7);
    scan.extend((0..300_000_u32).flat_map(|i| i.to_le_bytes()));
    let files = [
        ("扫描件.pdf", scan),
        ("车票.png", png(1)),
        ("发票.xml", xml()),
    ];
    let mut ids = Vec::new();
    for (name, bytes) in &files {
        let added = upload(
            &app,
            &claimant,
            claim,
            name,
            "application/octet-stream",
            bytes.clone(),
        )
        .await;
        added.assert(201, "");
        ids.push(added.body["id"].as_i64().unwrap());
    }
    let out = baoxiao(
        &["backup", "--to", &copy_arg],
        &app.db_url,
        app.data_dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 files checked, 0 differ"), "{stdout}");

    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let url = data.join("baoxiao.db").to_string_lossy().into_owned();
    let out = baoxiao(&["restore", "--from", &copy_arg], &url, &data);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 files checked, 0 differ"), "{stdout}");
    let restored = baoxiao::startup::Application::build(&settings(&url, &data)).unwrap();
    let address = format!("http://127.0.0.1:{}", restored.port());
    tokio::spawn(restored.run_until_stopped());
    for ((_, bytes), id) in files.iter().zip(ids) {
        let got = app
            .client
            .get(format!("{address}{}/{id}", files_of(claim)))
            .bearer_auth(&claimant)
            .send()
            .await
            .unwrap();
        assert_eq!(got.status().as_u16(), 200);
        assert_eq!(&got.bytes().await.unwrap().to_vec(), bytes);
    }
}

/// A claimant signed in on the pages, and their API token.
async fn page_claimant(app: &TestApp) -> (Visitor, String) {
    let (token, password) = crate::web::web_person(app, "张三", &[R::Claimant], "zhangsan");
    let mut visitor = Visitor::new(&app.address);
    assert_eq!(visitor.sign_in("zhangsan", &password).await.status, 303);
    (visitor, token)
}

#[tokio::test]
async fn the_claim_page_lists_thirty_files_and_takes_more_by_its_form() {
    let app = spawn_app().await;
    let (mut visitor, claimant) = page_claimant(&app).await;
    let line = app.line_id("dept.project.petition-work.operations").await;
    let claim = app.submit(&claimant, &r8_claim(line)).await;

    // By the page's form, without scripts: two files at once, the CSRF token first.
    let page = visitor.get(&format!("/claims/{claim}")).await;
    assert!(page.body.contains("id=\"attach-form\""), "{}", page.body);
    assert!(page.body.contains("multiple"));
    let csrf = page.csrf();
    let body = form_data(
        &[("csrf", &csrf)],
        &[("住宿发票.pdf", &pdf(1)), ("车票.png", &png(1))],
    );
    let sent = visitor
        .post_bytes(
            &format!("/claims/{claim}/attachments"),
            &multipart_type(),
            body,
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let page = visitor.get(&format!("/claims/{claim}")).await;
    assert!(
        page.body.contains("已添加附件：住宿发票.pdf、车票.png"),
        "{}",
        page.body
    );
    assert!(page.body.contains("共 2 个"));
    // A picture is shown small from its own download address; a PDF is not drawn.
    assert_eq!(page.body.matches("<img class=\"thumb\"").count(), 1);
    // A refusal comes back on the page, in Chinese.
    let body = form_data(&[("csrf", &csrf)], &[("假.pdf", b"<html></html>")]);
    visitor
        .post_bytes(
            &format!("/claims/{claim}/attachments"),
            &multipart_type(),
            body,
        )
        .await;
    let page = visitor.get(&format!("/claims/{claim}")).await;
    assert!(page.body.contains("不支持这种文件"), "{}", page.body);
    // A file over 10 MiB is refused in place too.
    let mut big = pdf(3);
    big.resize(10 * MIB + 1, b' ');
    let body = form_data(&[("csrf", &csrf)], &[("大文件.pdf", &big)]);
    let refused = visitor
        .post_bytes(
            &format!("/claims/{claim}/attachments"),
            &multipart_type(),
            body,
        )
        .await;
    assert_eq!(refused.status, 303, "{}", refused.body);
    let page = visitor.get(&format!("/claims/{claim}")).await;
    assert!(page.body.contains("附件太大"), "{}", page.body);
    assert!(page.body.contains("共 2 个"));
    // Without the session's token nothing is stored.
    let body = form_data(&[("csrf", "forged")], &[("发票.pdf", &pdf(5))]);
    let forged = visitor
        .post_bytes(
            &format!("/claims/{claim}/attachments"),
            &multipart_type(),
            body,
        )
        .await;
    assert_eq!(forged.status, 403);

    // Thirty files: the page lists each by name and size, the 报销单 counts them.
    for n in 2..30 {
        upload(
            &app,
            &claimant,
            claim,
            &format!("票{n}.png"),
            "image/png",
            png(n),
        )
        .await
        .assert(201, "");
    }
    let page = visitor.get(&format!("/claims/{claim}")).await;
    assert_eq!(page.body.matches("class=\"attachment\"").count(), 30);
    assert!(page.body.contains("共 30 个"));
    let print = visitor.get(&format!("/claims/{claim}/print")).await;
    assert!(print.body.contains("共 30 张"), "{}", print.body);

    // The page's download: the bytes, as an attachment.
    let download = visitor.get(&format!("/claims/{claim}/attachments/1")).await;
    assert_eq!(download.status, 200);
    // 删除 by its form.
    let removed = visitor
        .post(
            &format!("/claims/{claim}/attachments/1/delete"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(removed.status, 303);
    let page = visitor.get(&format!("/claims/{claim}")).await;
    assert!(page.body.contains("已删除附件。"));
    assert!(page.body.contains("共 29 个"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_uploads_never_pass_thirty_nor_follow_a_decision() {
    let Setup {
        app,
        claimant,
        finance,
        claim,
    } = setup().await;
    for n in 0..28 {
        upload(&app, &claimant, claim, "票.png", "image/png", png(n))
            .await
            .assert(201, "");
    }
    // Six at once for the last two places: two are stored, four refused.
    let racing = (28..34).map(|n| upload(&app, &claimant, claim, "票.png", "image/png", png(n)));
    let answers = futures::future::join_all(racing).await;
    let stored = answers.iter().filter(|a| a.status.as_u16() == 201).count();
    for refused in answers.iter().filter(|a| a.status.as_u16() != 201) {
        refused.assert(409, "too_many_attachments");
    }
    assert_eq!(stored, 2);
    assert_eq!(
        app.get(&claimant, &files_of(claim))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        30
    );

    // Files sent while finance approves: each is stored before the decision or refused after it,
    // never added to a decided claim.
    let line = app.line_id("dept.project.petition-work.operations").await;
    let second = app.submit(&claimant, &r8_claim(line)).await;
    let (path, empty) = (format!("/api/v1/travel-claims/{second}/approve"), json!({}));
    let approve = app.post(&finance, &path, &empty);
    let racing =
        (0..4).map(|n| upload(&app, &claimant, second, "票.pdf", "application/pdf", pdf(n)));
    let (approved, answers) = tokio::join!(approve, futures::future::join_all(racing));
    approved.assert(200, "");
    for answer in &answers {
        assert!(
            answer.status.as_u16() == 201 || answer.code() == "invalid_transition",
            "{}",
            answer.body
        );
    }
    let view = app
        .get(&claimant, &format!("/api/v1/travel-claims/{second}"))
        .await;
    let actions: Vec<&str> = view.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    let approved_at = actions.iter().position(|a| *a == "approve").unwrap();
    assert!(
        actions[approved_at..].iter().all(|a| *a != "attach"),
        "{actions:?}"
    );
    let stored = answers.iter().filter(|a| a.status.as_u16() == 201).count();
    assert_eq!(view.body["attachment_count"], stored);
}

/// R17: a draft holds files like a claim: its claimant attaches them, nobody else sees them (404,
/// finance included), they stay with the claim the draft becomes, and deleting a draft deletes them.
#[tokio::test]
async fn a_draft_holds_files_only_its_claimant_sees_and_they_go_with_it() {
    let Setup {
        app,
        claimant,
        finance,
        ..
    } = setup().await;
    let other = app.user("王五", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let saved = app
        .post(&claimant, "/api/v1/travel-claims/drafts", &r8_claim(line))
        .await;
    saved.assert(201, "");
    let kept = saved.body["id"].as_i64().unwrap();
    let saved = app
        .post(
            &claimant,
            "/api/v1/travel-claims/drafts",
            &json!({"purpose": "未完"}),
        )
        .await;
    saved.assert(201, "");
    let dropped = saved.body["id"].as_i64().unwrap();

    for draft in [kept, dropped] {
        upload(
            &app,
            &claimant,
            draft,
            "发票.pdf",
            "application/pdf",
            pdf(9),
        )
        .await
        .assert(201, "");
    }
    for stranger in [&finance, &other] {
        app.get(stranger, &files_of(kept))
            .await
            .assert(404, "not_found");
    }
    // Finance may add no file anywhere (403, whatever the id); another claimant finds no draft.
    upload(&app, &finance, kept, "x.pdf", "application/pdf", pdf(8))
        .await
        .assert(403, "forbidden");
    upload(&app, &other, kept, "x.pdf", "application/pdf", pdf(8))
        .await
        .assert(404, "not_found");
    let listed = app.get(&claimant, &files_of(kept)).await;
    listed.assert(200, "");
    assert_eq!(listed.body.as_array().unwrap().len(), 1);

    // Submitted, the draft is the claim of the same id, and its file is the claim's.
    app.post(
        &claimant,
        &format!("/api/v1/travel-claims/{kept}/submit"),
        &json!({}),
    )
    .await
    .assert(200, "");
    let claim = app
        .get(&finance, &format!("/api/v1/travel-claims/{kept}"))
        .await;
    claim.assert(200, "");
    assert_eq!(claim.body["attachment_count"], 1);

    // Deleted, the draft takes its files with it.
    let gone = app
        .send(
            app.client
                .delete(app.url(&format!("/api/v1/travel-claims/{dropped}")))
                .bearer_auth(&claimant),
        )
        .await;
    assert_eq!(gone.status, 204);
    app.get(&claimant, &files_of(dropped))
        .await
        .assert(404, "not_found");
    use baoxiao::db::schema::claim_attachments as files;
    use diesel::prelude::*;
    let mut c = app.pool.get().unwrap();
    let left: i64 = files::table
        .filter(files::claim_id.eq(dropped))
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(left, 0, "a deleted draft's files were kept");
}

/// R17: a draft's form lists its files and takes more; adding or removing one posts the whole
/// form, and what was typed since the last save is kept in the draft.
#[tokio::test]
async fn a_drafts_form_takes_files_and_keeps_what_was_typed() {
    let app = spawn_app().await;
    let (mut visitor, _) = page_claimant(&app).await;
    let line = app.line_id("dept.project.petition-work.operations").await;
    let page = visitor.get("/claims/new").await;
    // A form not yet a draft has no files to list.
    assert!(!page.body.contains("id=\"attach-form\""), "{}", page.body);
    let csrf = page.csrf();
    let typed = crate::web::r8_form(line, &csrf, "save_draft");
    let form: Vec<(&str, &str)> = typed
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = visitor.post("/claims/new", &form).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = saved.location["/claims/new?draft=".len()..].to_string();
    let opened = visitor.get(&saved.location).await;
    assert!(
        opened.body.contains("id=\"attach-form\""),
        "{}",
        opened.body
    );
    assert!(opened.body.contains("还没有附件。"));
    assert!(opened
        .body
        .contains(&format!("formaction=\"/claims/{id}/attachments\"")));

    // Typed but not saved: a new purpose, then a file added by the form's 上传附件.
    let mut texts: Vec<(&str, &str)> = form
        .iter()
        .filter(|(k, _)| *k != "action")
        .map(|(k, v)| {
            if *k == "purpose" {
                (*k, "改过的事由")
            } else {
                (*k, *v)
            }
        })
        .collect();
    texts.push(("draft_id", &id));
    let body = form_data(&texts, &[("住宿发票.pdf", &pdf(1)), ("车票.png", &png(1))]);
    let sent = visitor
        .post_bytes(
            &format!("/claims/{id}/attachments"),
            &multipart_type(),
            body,
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let back = visitor.get(&format!("/claims/new?draft={id}")).await;
    assert!(
        back.body.contains("已添加附件：住宿发票.pdf、车票.png"),
        "{}",
        back.body
    );
    assert!(back.body.contains("value=\"改过的事由\""), "{}", back.body);
    assert!(back.body.contains("共 2 个"));
    assert_eq!(back.body.matches("<img class=\"thumb\"").count(), 1);
    assert!(back
        .body
        .contains(&format!("/claims/{id}/attachments/1/delete")));

    // 删除 posts the form too: the destination typed meanwhile is kept.
    let mut texts: Vec<(&str, &str)> = texts
        .into_iter()
        .map(|(k, v)| {
            if k == "destination" {
                (k, "保定")
            } else {
                (k, v)
            }
        })
        .collect();
    texts.retain(|(k, _)| *k != "files");
    let removed = visitor
        .post(&format!("/claims/{id}/attachments/1/delete"), &texts)
        .await;
    assert_eq!(removed.status, 303, "{}", removed.body);
    let back = visitor.get(&format!("/claims/new?draft={id}")).await;
    assert!(back.body.contains("已删除附件。"), "{}", back.body);
    assert!(back.body.contains("value=\"保定\""));
    assert!(back.body.contains("value=\"改过的事由\""));
    assert!(back.body.contains("共 1 个"));
}
