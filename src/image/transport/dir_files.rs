//! Files of skopeo's dir: layout, and blobs written to files of a layout directory.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

use super::blob_stream::{BlobStream, write_to};
use crate::util::fs::temp_sibling;

/// The `version` file skopeo writes (and checks) in a dir: image.
pub const DIR_VERSION: &str = "Directory Transport Version: 1.1\n";

/// Writes a blob under a temporary name and renames it to `path` once the (verified) stream
/// ended well, so a damaged blob never appears under its digest.
pub async fn write_blob_file(path: &Path, body: BlobStream) -> Result<()> {
    let temp = temp_sibling(path);
    let result = async {
        let file =
            std::fs::File::create(&temp).with_context(|| format!("creating {}", temp.display()))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        write_to(body, &mut out).await?;
        out.flush()
            .with_context(|| format!("writing {}", path.display()))?;
        std::fs::rename(&temp, path).with_context(|| format!("writing {}", path.display()))
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
