//! Messages as contributors' mail clients write them, for tests that deliver mail to Dovecot or
//! feed it to ingestion: a Thunderbird-style message carrying the blog fixture as a .docx.

use base64::Engine;

/// The .docx fixture: a guest blog of 600–800 words (within the seed call's blog limits).
pub const BLOG_DOCX: &[u8] = include_bytes!("../../docket-documents/tests/fixtures/blog.docx");

/// Base64 in 76-character lines, as mail clients wrap attachments.
fn wrapped_base64(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    encoded
        .as_bytes()
        .chunks(76)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// A message as Thunderbird writes it: multipart/mixed, a flowed text part, and [`BLOG_DOCX`]
/// attached with an RFC 2231 file name. `message_id` is without angle brackets; `from` is
/// `Name <address>`; `extra_headers` are whole lines ending in CRLF (In-Reply-To, …).
pub fn message_with_docx(
    message_id: &str,
    from: &str,
    subject: &str,
    text: &str,
    extra_headers: &str,
) -> Vec<u8> {
    message_with_file(
        message_id,
        from,
        subject,
        text,
        extra_headers,
        (
            "Data blog.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            BLOG_DOCX,
        ),
    )
}

/// [`message_with_docx`] with another attachment: (file name, MIME type, bytes).
pub fn message_with_file(
    message_id: &str,
    from: &str,
    subject: &str,
    text: &str,
    extra_headers: &str,
    (name, mime, bytes): (&str, &str, &[u8]),
) -> Vec<u8> {
    let encoded_name = name.replace(' ', "%20");
    format!(
        "Message-ID: <{message_id}>\r\nDate: Thu, 20 Oct 2022 10:15:00 +0100\r\nMIME-Version: 1.0\r\n\
         User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:102.0) Gecko/20100101 Thunderbird/102.3.3\r\n\
         Content-Language: en-GB\r\nTo: Jago <jago@techuk.example.org>\r\nFrom: {from}\r\n\
         Subject: {subject}\r\n{extra_headers}\
         Content-Type: multipart/mixed; boundary=\"------------2yAbS9pS0i7vBqUq0NFWp0Dq\"\r\n\r\n\
         This is a multi-part message in MIME format.\r\n\
         --------------2yAbS9pS0i7vBqUq0NFWp0Dq\r\nContent-Type: text/plain; charset=UTF-8; format=flowed\r\n\
         Content-Transfer-Encoding: 7bit\r\n\r\n{text}\r\n\r\n\
         --------------2yAbS9pS0i7vBqUq0NFWp0Dq\r\n\
         Content-Type: {mime};\r\n name=\"{name}\"\r\n\
         Content-Disposition: attachment;\r\n filename*=UTF-8''{encoded_name}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\r\n\
         --------------2yAbS9pS0i7vBqUq0NFWp0Dq--\r\n",
        wrapped_base64(bytes)
    )
    .into_bytes()
}

/// [`message_with_docx`] with the words a contributor writes: "my blog for Tuesday's data theme".
pub fn blog_with_docx(message_id: &str, from: &str) -> Vec<u8> {
    message_with_docx(
        message_id,
        from,
        "Guest blog for Digital Justice Week",
        "Hi Jago,\r\n\r\nPlease find attached my blog for Tuesday's data theme.\r\n\r\nBest wishes",
        "",
    )
}

/// A stand-in receipt for pieces a test sends through the store directly (its wording is the
/// mail tests' business): `message_id` with angle brackets.
pub fn receipt(
    message_id: String,
    to: impl Into<String>,
    submission_id: docket_store::SubmissionId,
    call_id: docket_store::CallId,
) -> docket_store::NewMail {
    docket_store::NewMail {
        message_id,
        to: to.into(),
        subject: "Received".into(),
        text: "Thanks".into(),
        html: "<p>Thanks</p>".into(),
        template: "receipt".into(),
        submission_id: Some(submission_id),
        call_id: Some(call_id),
        reply_to: None,
        idempotency_key: None,
        list_unsubscribe: None,
    }
}
