//! Layer tars written header by header with raw name fields, so names the tar crate's checked
//! setters refuse (`..`, absolute, odd bytes) get through; longer names go in pax records.

use tar::{EntryType, Header};

pub struct Tar {
    out: Vec<u8>,
}

impl Tar {
    pub fn new() -> Tar {
        Tar { out: Vec::new() }
    }

    /// Appends one entry; `name` and `link` are raw bytes, in pax records when too long for the
    /// header; `edit` adjusts the header last (device numbers, a lying size...).
    pub fn entry_with(
        mut self,
        kind: EntryType,
        name: &[u8],
        link: &[u8],
        data: &[u8],
        edit: impl FnOnce(&mut Header),
    ) -> Tar {
        let mut pax = Vec::new();
        if name.len() >= 100 {
            pax.push(("path", name));
        }
        if link.len() >= 100 {
            pax.push(("linkpath", link));
        }
        if !pax.is_empty() {
            self.pax(&pax);
        }
        let mut header = Header::new_gnu();
        let old = header.as_old_mut();
        if name.len() < 100 {
            old.name[..name.len()].copy_from_slice(name);
        }
        if link.len() < 100 {
            old.linkname[..link.len()].copy_from_slice(link);
        }
        header.set_entry_type(kind);
        header.set_mode(match kind {
            EntryType::Directory => 0o755,
            EntryType::Symlink => 0o777,
            _ => 0o644,
        });
        header.set_size(data.len() as u64);
        header.set_mtime(1_704_067_200);
        header.set_uid(0);
        header.set_gid(0);
        edit(&mut header);
        header.set_cksum();
        self.out.extend_from_slice(header.as_bytes());
        self.out.extend_from_slice(data);
        self.pad();
        self
    }

    pub fn entry(self, kind: EntryType, name: &[u8], link: &[u8], data: &[u8]) -> Tar {
        self.entry_with(kind, name, link, data, |_| {})
    }

    pub fn file(self, name: &str, data: &[u8]) -> Tar {
        self.entry(EntryType::Regular, name.as_bytes(), b"", data)
    }

    pub fn dir(self, name: &str) -> Tar {
        self.entry(EntryType::Directory, name.as_bytes(), b"", b"")
    }

    pub fn symlink(self, name: &str, target: &str) -> Tar {
        self.entry(EntryType::Symlink, name.as_bytes(), target.as_bytes(), b"")
    }

    pub fn hardlink(self, name: &str, target: &str) -> Tar {
        self.entry(EntryType::Link, name.as_bytes(), target.as_bytes(), b"")
    }

    /// A file of `size` zero bytes, streamed into the tar without a buffer of that size.
    pub fn zeros(mut self, name: &str, size: u64) -> Tar {
        let mut header = Header::new_gnu();
        header.set_path(name).expect("a short name");
        header.set_entry_type(EntryType::Regular);
        header.set_mode(0o644);
        header.set_size(size);
        header.set_mtime(1_704_067_200);
        header.set_uid(0);
        header.set_gid(0);
        header.set_cksum();
        self.out.extend_from_slice(header.as_bytes());
        self.out.resize(self.out.len() + size as usize, 0);
        self.pad();
        self
    }

    fn pax(&mut self, records: &[(&str, &[u8])]) {
        let mut body = Vec::new();
        for (key, value) in records {
            // "LEN KEY=VALUE\n", LEN counting itself.
            let rest = key.len() + value.len() + 3;
            let mut len = rest + rest.to_string().len();
            if len.to_string().len() != rest.to_string().len() {
                len += 1;
            }
            body.extend_from_slice(format!("{len} {key}=").as_bytes());
            body.extend_from_slice(value);
            body.push(b'\n');
        }
        let mut header = Header::new_ustar();
        header.set_path("pax-header").expect("a short name");
        header.set_entry_type(EntryType::XHeader);
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        self.out.extend_from_slice(header.as_bytes());
        self.out.extend_from_slice(&body);
        self.pad();
    }

    fn pad(&mut self) {
        self.out.resize(self.out.len().div_ceil(512) * 512, 0);
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.out.resize(self.out.len() + 1024, 0);
        self.out
    }
}
