//! R17: the files a claim carries (附件): what a file is, read from its bytes alone, and the
//! limits on them.
//!
//! A file's type is never taken from its name or from what the sender says it is: a PDF named
//! `发票.jpg` is a PDF, and a page named `发票.pdf` is refused. Worked example: bytes starting
//! `%PDF-1.7` are `application/pdf`; a ZIP whose entries include `OFD.xml` is an OFD e-invoice;
//! a text whose first tag is `<EInvoice>` (after an optional `<?xml …?>` prolog) is XML; an HTML
//! page or a plain ZIP is none of the five, and refused (415 `unsupported_attachment`).

/// The largest file a claim takes: 10 MiB (413 `attachment_too_large` beyond).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The most files one claim holds (409 `too_many_attachments` beyond).
pub const MAX_PER_CLAIM: i32 = 30;

/// The longest name kept, in characters; a longer one keeps its end (where its extension is).
const MAX_NAME_CHARS: usize = 120;

/// The five kinds of file a claim takes (R17).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    Pdf,
    /// 数电发票 in OFD (GB/T 33190), a ZIP package whose root is `OFD.xml`.
    Ofd,
    Xml,
    Jpeg,
    Png,
}

impl MediaType {
    pub const ALL: [MediaType; 5] = [
        MediaType::Pdf,
        MediaType::Ofd,
        MediaType::Xml,
        MediaType::Jpeg,
        MediaType::Png,
    ];

    /// The media type stored and sent with the file on download.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Ofd => "application/ofd",
            MediaType::Xml => "application/xml",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
        }
    }

    pub fn parse(text: &str) -> Option<MediaType> {
        MediaType::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// A picture a page may show small beside its name (its type was read from its bytes).
    pub fn is_image(self) -> bool {
        matches!(self, MediaType::Jpeg | MediaType::Png)
    }

    /// The extension a file of this type is given when its name had none worth keeping.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Ofd => "ofd",
            MediaType::Xml => "xml",
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
        }
    }
}

/// What the bytes are, or `None` for anything but the five kinds of R17.
pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
    if bytes.starts_with(b"PK\x03\x04") {
        return is_ofd(bytes).then_some(MediaType::Ofd);
    }
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some("application/pdf") => Some(MediaType::Pdf),
        Some("image/jpeg") => Some(MediaType::Jpeg),
        Some("image/png") => Some(MediaType::Png),
        _ => is_xml(bytes).then_some(MediaType::Xml),
    }
}

/// A ZIP package with an entry named `OFD.xml` at its root, read from its central directory
/// (each entry's header: signature `PK\1\2`, the name's length at offset 28, the name at 46).
fn is_ofd(bytes: &[u8]) -> bool {
    const CENTRAL: &[u8] = b"PK\x01\x02";
    let mut rest = bytes;
    while let Some(at) = find(rest, CENTRAL) {
        let entry = &rest[at..];
        if let (Some(&low), Some(&high)) = (entry.get(28), entry.get(29)) {
            let length = usize::from(u16::from_le_bytes([low, high]));
            if entry.get(46..46 + length) == Some(b"OFD.xml".as_slice()) {
                return true;
            }
        }
        rest = &entry[CENTRAL.len()..];
    }
    false
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// XML by its prolog or its root: UTF-8 text (a BOM allowed) whose first markup, after blanks,
/// is `<?xml` or an element's start tag, and which is not a web page or a drawing (`html`,
/// `svg`: a browser would run their scripts).
fn is_xml(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    if text.contains('\0') {
        return false;
    }
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let mut rest = match text.strip_prefix("<?xml") {
        Some(after) if after.starts_with(char::is_whitespace) => match after.find("?>") {
            Some(end) => &after[end + 2..],
            None => return false,
        },
        Some(_) => return false,
        None => text,
    };
    // Comments and a doctype may stand before the root.
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<!--") {
            match after.find("-->") {
                Some(end) => rest = &after[end + 3..],
                None => return false,
            }
        } else if rest.starts_with("<!DOCTYPE") || rest.starts_with("<!doctype") {
            let lowered = rest.get(..14).unwrap_or(rest).to_ascii_lowercase();
            if lowered.starts_with("<!doctype html") {
                return false;
            }
            match rest.find('>') {
                Some(end) => rest = &rest[end + 1..],
                None => return false,
            }
        } else {
            break;
        }
    }
    let Some(tag) = rest.strip_prefix('<') else {
        return false;
    };
    let name: String = tag
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'))
        .collect();
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_');
    let local = name.rsplit(':').next().unwrap_or("").to_ascii_lowercase();
    starts_well && local != "html" && local != "svg"
}

/// The name a file is kept and offered under: the last part of what was sent (no folders),
/// without control characters or the characters file systems refuse, at most 120 characters, and
/// a name of its type (`附件.pdf`) when nothing is left.
pub fn clean_name(sent: &str, kind: MediaType) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{feff}'))
        .map(|c| match c {
            '"' | '<' | '>' | ':' | '|' | '?' | '*' => '_',
            other => other,
        })
        .collect();
    let kept = kept.trim().trim_start_matches('.').trim();
    if kept.is_empty() {
        return format!("附件.{}", kind.extension());
    }
    let count = kept.chars().count();
    kept.chars()
        .skip(count.saturating_sub(MAX_NAME_CHARS))
        .collect()
}

/// A size as a clerk reads it: `820 字节`, `12.5 KB`, `3.2 MB` (one decimal, rounded half up).
pub fn size_text(bytes: i64) -> String {
    const KB: i64 = 1024;
    const MB: i64 = 1024 * 1024;
    let tenths = |unit: i64| (bytes * 10 + unit / 2) / unit;
    if bytes < KB {
        format!("{bytes} 字节")
    } else if bytes < MB {
        let t = tenths(KB);
        format!("{}.{} KB", t / 10, t % 10)
    } else {
        let t = tenths(MB);
        format!("{}.{} MB", t / 10, t % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ZIP with one stored, empty entry named `name`: local header, central header, end.
    pub fn zip_with(name: &str) -> Vec<u8> {
        let n = name.as_bytes();
        let length = u16::try_from(n.len()).unwrap_or(0).to_le_bytes();
        let mut zip = b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
        zip.extend([0; 12]);
        zip.extend(length);
        zip.extend([0, 0]);
        zip.extend(n);
        let central = zip.len();
        zip.extend(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        zip.extend([0; 12]);
        zip.extend(length);
        zip.extend([0; 16]);
        zip.extend(n);
        zip.extend(b"PK\x05\x06");
        zip.extend([0; 4]);
        zip.extend([1, 0, 1, 0]);
        zip.extend([0; 4]);
        zip.extend(u32::try_from(central).unwrap_or(0).to_le_bytes());
        zip.extend([0, 0]);
        zip
    }

    #[test]
    fn the_type_comes_from_the_bytes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let table: Vec<(Vec<u8>, Option<MediaType>)> = vec![
            (b"%PDF-1.7\n%\xe2\xe3".to_vec(), Some(MediaType::Pdf)),
            (png, Some(MediaType::Png)),
            (
                b"\xff\xd8\xff\xe0\0\x10JFIF".to_vec(),
                Some(MediaType::Jpeg),
            ),
            (zip_with("OFD.xml"), Some(MediaType::Ofd)),
            (zip_with("word/document.xml"), None),
            (
                b"<?xml version=\"1.0\"?><EInvoice/>".to_vec(),
                Some(MediaType::Xml),
            ),
            (
                "\u{feff}\n <EInvoice><a>平乡</a></EInvoice>"
                    .as_bytes()
                    .to_vec(),
                Some(MediaType::Xml),
            ),
            (
                b"<!-- x --><fp:Invoice xmlns:fp=\"u\"/>".to_vec(),
                Some(MediaType::Xml),
            ),
            (
                b"<!DOCTYPE html><html><script>x</script></html>".to_vec(),
                None,
            ),
            (b"<html><body>hi</body></html>".to_vec(), None),
            (b"<svg onload=\"x\"/>".to_vec(), None),
            (b"<?xmlfoo?><a/>".to_vec(), None),
            (b"GIF89a".to_vec(), None),
            (b"plain text, not a file kind".to_vec(), None),
            (b"<a\0/>".to_vec(), None),
            (Vec::new(), None),
        ];
        for (bytes, expected) in table {
            assert_eq!(
                sniff(&bytes),
                expected,
                "{:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    #[test]
    fn a_name_is_cleaned_not_trusted() {
        let pdf = MediaType::Pdf;
        assert_eq!(clean_name("住宿发票.pdf", pdf), "住宿发票.pdf");
        assert_eq!(clean_name("../../etc/passwd", pdf), "passwd");
        assert_eq!(clean_name("C:\\票据\\车票.jpg", pdf), "车票.jpg");
        assert_eq!(clean_name("a\"b\r\n<c>.pdf", pdf), "a_b_c_.pdf");
        assert_eq!(clean_name("  .hidden ", pdf), "hidden");
        assert_eq!(clean_name("", MediaType::Png), "附件.png");
        assert_eq!(clean_name("/", pdf), "附件.pdf");
        assert_eq!(clean_name("\u{202E}fdp.exe", pdf), "fdp.exe");
        let long = format!("{}.pdf", "票".repeat(300));
        let kept = clean_name(&long, pdf);
        assert_eq!(kept.chars().count(), 120);
        assert!(kept.ends_with("票.pdf"));
    }

    #[test]
    fn sizes_read_in_kb_and_mb() {
        assert_eq!(size_text(820), "820 字节");
        assert_eq!(size_text(1024), "1.0 KB");
        assert_eq!(size_text(12_800), "12.5 KB");
        assert_eq!(size_text(10 * 1024 * 1024), "10.0 MB");
        assert_eq!(size_text(3_355_443), "3.2 MB");
    }

    #[test]
    fn media_types_read_back() {
        for m in MediaType::ALL {
            assert_eq!(MediaType::parse(m.as_str()), Some(m));
        }
        assert_eq!(MediaType::parse("text/html"), None);
    }
}
