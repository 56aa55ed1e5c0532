//! Reading an HTTP answer into memory with a ceiling: a registry (or whatever answers in its
//! place) decides how many bytes it sends, so everything the engine buffers whole — manifests,
//! tokens, error pages — is read through here and refused past its bound.

/// Why a bounded body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Over the ceiling; `declared` is the Content-Length when that alone gave it away.
    TooLarge { declared: Option<u64> },
    /// The connection failed or timed out mid-body.
    Read(reqwest::Error),
}

impl BodyError {
    /// "is N bytes" / "is larger than", for messages ending in the ceiling.
    pub fn size_phrase(&self) -> String {
        match self {
            BodyError::TooLarge {
                declared: Some(size),
            } => format!("declares {size} bytes, over"),
            _ => "is larger than".to_string(),
        }
    }
}

/// Reads the whole body, refusing a declared or actual size over `limit` bytes without reading
/// (or keeping) more than `limit` of it.
pub async fn read(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    if let Some(declared) = response.content_length()
        && declared > limit as u64
    {
        return Err(BodyError::TooLarge {
            declared: Some(declared),
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { declared: None });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads at most `limit` bytes of an error answer for its message; the rest is dropped.
pub async fn read_prefix(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = limit.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    body
}
