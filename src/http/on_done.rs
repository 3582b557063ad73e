//! A response body that runs a closure once it is done: when its last
//! chunk has been taken, when it fails, or when it is dropped unsent (the
//! client went away). What a middleware holds for the life of a request (a
//! permit, a timer) is let go there, not when the handler returns, so that
//! a streamed body counts for as long as it streams.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::web::Bytes;

/// A body, and what to run when it is done.
pub struct OnDone {
    body: BoxBody,
    done: Option<Box<dyn FnOnce()>>,
}

impl OnDone {
    /// `body`, running `done` once when it is done.
    pub fn new(body: impl MessageBody + 'static, done: impl FnOnce() + 'static) -> Self {
        Self {
            body: body.boxed(),
            done: Some(Box::new(done)),
        }
    }

    /// `body`, with nothing to run.
    pub fn plain(body: impl MessageBody + 'static) -> Self {
        Self {
            body: body.boxed(),
            done: None,
        }
    }

    fn finish(&mut self) {
        if let Some(done) = self.done.take() {
            done();
        }
    }
}

impl Drop for OnDone {
    fn drop(&mut self) {
        self.finish();
    }
}

impl MessageBody for OnDone {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        // Both fields are Unpin (a BoxBody pins its own inside).
        let this = self.get_mut();
        let next = Pin::new(&mut this.body).poll_next(cx);
        if matches!(next, Poll::Ready(None | Some(Err(_)))) {
            this.finish();
        }
        next
    }

    fn try_into_bytes(mut self) -> Result<Bytes, Self> {
        let body = std::mem::replace(&mut self.body, BoxBody::new(()));
        match body.try_into_bytes() {
            // The whole body is in memory: the work is done.
            Ok(bytes) => Ok(bytes),
            Err(body) => {
                self.body = body;
                Err(self)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::*;

    fn counter() -> (Rc<Cell<u32>>, impl FnOnce() + 'static) {
        let runs = Rc::new(Cell::new(0));
        let seen = Rc::clone(&runs);
        (runs, move || seen.set(seen.get() + 1))
    }

    #[actix_web::test]
    async fn runs_once_when_the_body_is_read() {
        let (runs, done) = counter();
        let body = OnDone::new(Bytes::from_static(b"hello"), done);
        assert_eq!(body.size(), BodySize::Sized(5));
        let read = actix_web::body::to_bytes(body).await.unwrap();
        assert_eq!(&read[..], b"hello");
        assert_eq!(runs.get(), 1);
    }

    #[actix_web::test]
    async fn runs_when_a_stream_ends_not_before() {
        let (runs, done) = counter();
        let chunks = futures_util::stream::iter([
            Ok::<_, std::io::Error>(Bytes::from_static(b"a")),
            Ok(Bytes::from_static(b"b")),
        ]);
        let mut body = Box::pin(OnDone::new(actix_web::body::BodyStream::new(chunks), done));
        let first = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await;
        assert!(matches!(first, Some(Ok(_))));
        assert_eq!(runs.get(), 0, "still streaming");
        while std::future::poll_fn(|cx| body.as_mut().poll_next(cx))
            .await
            .is_some()
        {}
        assert_eq!(runs.get(), 1);
        drop(body);
        assert_eq!(runs.get(), 1, "once only");
    }

    #[test]
    fn runs_when_dropped_unsent() {
        let (runs, done) = counter();
        drop(OnDone::new(Bytes::from_static(b"never sent"), done));
        assert_eq!(runs.get(), 1);
    }
}
