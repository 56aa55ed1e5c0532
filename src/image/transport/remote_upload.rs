//! Writing blobs: cross-repository mounts and uploads streamed from a body (of known digest
//! and size in one PUT, or of unknown digest in one PATCH closed by a PUT naming it).

use anyhow::Result;
use bytes::Bytes;
use futures_util::Stream;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Method, StatusCode, Url};

use super::remote::RemoteRepo;
use super::remote_answers::expect;
use crate::util::digest::Digest;

impl RemoteRepo {
    /// Mounts a blob from another repository of the same registry; false when the registry
    /// declined (it then opened an upload session, which is cancelled).
    pub async fn mount(&self, digest: &Digest, from: &str) -> Result<bool> {
        let mut url = self.url("blobs/uploads/")?;
        url.query_pairs_mut()
            .append_pair("mount", digest.as_str())
            .append_pair("from", from);
        let what = format!("mounting blob {digest} from {from} into {}", self.name());
        let request = self.request(Method::POST, url).header(CONTENT_LENGTH, 0);
        let response = self.send(request, &what).await?;
        match response.status() {
            StatusCode::CREATED => Ok(true),
            StatusCode::ACCEPTED => {
                if let Ok(session) = self.location(&response, &what) {
                    let _ = self.request(Method::DELETE, session).send().await;
                }
                Ok(false)
            }
            // Not allowed to read `from` (token scope) or the like: upload instead.
            _ => Ok(false),
        }
    }

    /// Uploads a blob of known digest and size streamed from `body`, in one PUT.
    pub async fn upload_known<S>(&self, body: S, digest: &Digest, size: u64) -> Result<()>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        let what = format!("uploading blob {digest} to {}", self.name());
        let mut session = self.start_upload(&what).await?;
        session
            .query_pairs_mut()
            .append_pair("digest", digest.as_str());
        let put = self
            .request(Method::PUT, session)
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(CONTENT_LENGTH, size)
            .body(reqwest::Body::wrap_stream(body));
        expect(self.send(put, &what).await?, &[StatusCode::CREATED], &what).await?;
        Ok(())
    }

    /// Uploads a blob whose digest is known only at its end: one PATCH streaming the whole
    /// body, then a PUT carrying the digest `digest` yields once the stream ended.
    pub async fn upload_streamed<S, F>(&self, body: S, digest: F) -> Result<Digest>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
        F: Future<Output = Result<Digest>>,
    {
        let what = format!("uploading a blob to {}", self.name());
        let session = self.start_upload(&what).await?;
        let patch = self
            .request(Method::PATCH, session)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(reqwest::Body::wrap_stream(body));
        let patched = self.send(patch, &what).await;
        // The producer's own error (a failed layer reader) explains more than the HTTP one.
        let computed = digest.await?;
        let ok = [StatusCode::ACCEPTED, StatusCode::NO_CONTENT];
        let patched = expect(patched?, &ok, &what).await?;
        let mut session = self.location(&patched, &what)?;
        session
            .query_pairs_mut()
            .append_pair("digest", computed.as_str());
        let put = self.request(Method::PUT, session).header(CONTENT_LENGTH, 0);
        expect(self.send(put, &what).await?, &[StatusCode::CREATED], &what).await?;
        Ok(computed)
    }

    async fn start_upload(&self, what: &str) -> Result<Url> {
        let start = self
            .request(Method::POST, self.url("blobs/uploads/")?)
            .header(CONTENT_LENGTH, 0);
        let started = expect(self.send(start, what).await?, &[StatusCode::ACCEPTED], what).await?;
        self.location(&started, what)
    }
}
