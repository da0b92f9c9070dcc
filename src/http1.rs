//! Requests that actix-http's HTTP/1 parser refuses, answered as problem+json.
//!
//! actix-http answers a malformed request line or header (400) and a head over 128 KiB or with
//! more than 96 headers (431) itself, with an empty body, before any service or middleware runs.
//! [`CheckedStream`] sits between the socket and actix's dispatcher and feeds every byte read
//! through a second copy of actix's own decoder ([`Codec`]), so it refuses exactly what actix
//! would, on every request of a connection. The bytes of the refused request never reach actix:
//! actix sees the end of the stream there, answers the requests before it, and shuts the
//! connection down; the problem+json answer is written then, and the connection closed.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use actix_codec::{AsyncRead, AsyncWrite, Decoder, ReadBuf};
use actix_http::error::ParseError;
use actix_http::h1::Codec;
use actix_http::ServiceConfig;
use actix_web::ResponseError;
use bytes::{Buf, Bytes, BytesMut};

use crate::error::AppError;
use crate::metrics;

/// How much of what the client still sends after a refused head is read and dropped before the
/// connection closes, so that the close does not reset the connection before the client has read
/// the answer.
const DRAIN_LIMIT: usize = 256 * 1024;

pub struct CheckedStream<T> {
    io: T,
    /// actix's decoder, fed the same bytes as actix's, to learn what actix would refuse.
    codec: Codec,
    /// Bytes read that `codec` has not consumed yet: part of a head or of a body chunk.
    unparsed: BytesMut,
    state: State,
}

enum State {
    Checking,
    /// The decoder failed on something actix answers without a response (a broken chunked
    /// body): actix gets every byte and handles it as it always did.
    PassThrough,
    /// The rest of the answer to a refused head, written when actix shuts the connection down.
    Refused {
        answer: Bytes,
        drained: usize,
    },
}

impl<T> CheckedStream<T> {
    /// `config` is one per worker thread: making one starts a task that keeps the date.
    pub fn new(io: T, config: ServiceConfig) -> Self {
        CheckedStream {
            io,
            codec: Codec::new(config),
            unparsed: BytesMut::new(),
            state: State::Checking,
        }
    }

    /// Decodes what has arrived; on a refused head, returns how many of the `received` last
    /// bytes belong to it.
    fn check(&mut self, received: usize) -> Option<usize> {
        loop {
            // Where the message being decoded starts: a refused head may have been consumed.
            let unparsed = self.unparsed.len();
            match self.codec.decode(&mut self.unparsed) {
                Ok(Some(_)) => continue,
                Ok(None) => return None,
                Err(ParseError::Io(_)) => {
                    self.state = State::PassThrough;
                    self.unparsed = BytesMut::new();
                    return None;
                }
                Err(error) => {
                    let refused = match error {
                        ParseError::TooLarge => AppError::RequestHeadTooLarge,
                        _ => AppError::MalformedRequestHead,
                    };
                    tracing::info!(%error, code = refused.code(), "refused a request head");
                    metrics::record_refusal(refused.code());
                    let of_this_read = unparsed.min(received);
                    self.state = State::Refused {
                        answer: answer(&refused),
                        drained: 0,
                    };
                    self.unparsed = BytesMut::new();
                    return Some(of_this_read);
                }
            }
        }
    }
}

/// The complete HTTP/1.1 response for `error`; the connection closes after it.
fn answer(error: &AppError) -> Bytes {
    let status = error.status_code();
    let body = serde_json::to_string(&error.problem()).unwrap_or_default();
    let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT");
    Bytes::from(format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\n\
         connection: close\r\ndate: {date}\r\n\r\n{body}",
        status.as_str(),
        status.canonical_reason().unwrap_or(""),
        body.len(),
    ))
}

impl<T: AsyncRead + Unpin> AsyncRead for CheckedStream<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if matches!(this.state, State::Refused { .. }) {
            // The end of the stream, for actix: it answers what came before and shuts down.
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
        if matches!(this.state, State::PassThrough) {
            return Poll::Ready(Ok(()));
        }
        let received = buf.filled().len() - before;
        this.unparsed.extend_from_slice(&buf.filled()[before..]);
        if let Some(refused) = this.check(received) {
            buf.set_filled(before + received - refused);
        }
        Poll::Ready(Ok(()))
    }
}

/// The length of actix's own answer to a request head that did not arrive in time, when `buf`
/// starts with it: a 408 with no body (the service's own 408, for a slow body, has one).
fn head_timeout_answer(buf: &[u8]) -> Option<usize> {
    const STATUS_LINE: &[u8] = b"HTTP/1.1 408 ";
    if !buf.starts_with(STATUS_LINE) {
        return None;
    }
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    (head.contains("\r\ncontent-length: 0\r\n") && !head.contains("\r\ncontent-type:"))
        .then_some(end)
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for CheckedStream<T> {
    /// Passes actix's writes through, except its bodiless 408 for a request head that did not
    /// arrive in time: that is answered as problem+json instead, as the connection closes.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if matches!(this.state, State::Checking) {
            if let Some(len) = head_timeout_answer(buf) {
                let refused = AppError::RequestTimeout;
                tracing::info!(
                    code = refused.code(),
                    "a request head did not arrive in time"
                );
                metrics::record_refusal(refused.code());
                this.state = State::Refused {
                    answer: answer(&refused),
                    drained: 0,
                };
                this.unparsed = BytesMut::new();
                return Poll::Ready(Ok(len));
            }
        }
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    /// After a refused head: writes its answer, reads and drops what the client is still sending
    /// (up to [`DRAIN_LIMIT`], as much as has arrived), then closes.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let State::Refused { answer, drained } = &mut this.state {
            while answer.has_remaining() {
                let written = ready!(Pin::new(&mut this.io).poll_write(cx, answer))?;
                if written == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                answer.advance(written);
            }
            ready!(Pin::new(&mut this.io).poll_flush(cx))?;
            let mut scratch = [0u8; 8192];
            while *drained < DRAIN_LIMIT {
                let mut discard = ReadBuf::new(&mut scratch);
                match Pin::new(&mut this.io).poll_read(cx, &mut discard) {
                    Poll::Ready(Ok(())) if !discard.filled().is_empty() => {
                        *drained += discard.filled().len();
                    }
                    _ => break,
                }
            }
        }
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}
