//! A spec mount's `options` list, split as mount(2) wants it: flags, propagation changes (each
//! its own mount call), and the filesystem's own data string (`mode=755,size=65536k`).

use anyhow::{Result, bail};
use nix::mount::MsFlags;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Bind {
    /// `bind`: only the mount at the source.
    Single,
    /// `rbind`: the source and every mount below it.
    Recursive,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct MountOptions {
    /// Flags to set (`ro`, `nosuid`, ...); their opposites (`rw`, `suid`) clear them.
    pub flags: MsFlags,
    /// `private`, `rslave`, ... in the order given.
    pub propagation: Vec<MsFlags>,
    pub bind: Option<Bind>,
    /// Filesystem-specific options, passed through as mount data.
    pub data: Vec<String>,
    /// podman's `tmpcopyup`: a tmpfs starts with a copy of what it covers in the image.
    pub tmpcopyup: bool,
}

impl Default for MountOptions {
    fn default() -> Self {
        MountOptions {
            flags: MsFlags::empty(),
            propagation: Vec::new(),
            bind: None,
            data: Vec::new(),
            tmpcopyup: false,
        }
    }
}

impl MountOptions {
    pub fn parse(options: &[String]) -> Result<MountOptions> {
        let mut parsed = MountOptions::default();
        for option in options {
            parsed.add(option)?;
        }
        Ok(parsed)
    }

    /// The data string, `None` when empty.
    pub fn data(&self) -> Option<String> {
        (!self.data.is_empty()).then(|| self.data.join(","))
    }

    /// Flags beyond what a plain bind gives, which need a remount to take effect on a bind.
    pub fn needs_remount(&self) -> bool {
        !self.flags.is_empty()
    }

    fn add(&mut self, option: &str) -> Result<()> {
        if let Some((set, flag)) = flag_option(option) {
            if set {
                self.flags.insert(flag);
            } else {
                self.flags.remove(flag);
            }
            return Ok(());
        }
        if let Some(propagation) = propagation_option(option) {
            self.propagation.push(propagation);
            return Ok(());
        }
        match option {
            "bind" => self.bind = Some(self.bind.unwrap_or(Bind::Single)),
            "rbind" => self.bind = Some(Bind::Recursive),
            "tmpcopyup" => self.tmpcopyup = true,
            "notmpcopyup" => self.tmpcopyup = false,
            // Handled (or deliberately not) by the engine before the spec is written: SELinux
            // relabeling, chown of the source, copying image content into a new volume.
            "defaults" | "z" | "Z" | "U" | "copy" | "nocopy" => {}
            _ if option == "idmap" || option.starts_with("idmap=") => bail!(
                "mount option {option}: idmapped mounts are not supported by the built-in runtime: remove it"
            ),
            _ => self.data.push(option.to_string()),
        }
        Ok(())
    }
}

/// `(true, FLAG)` for an option that sets FLAG, `(false, FLAG)` for one that clears it.
fn flag_option(option: &str) -> Option<(bool, MsFlags)> {
    let flag = match option {
        "ro" => (true, MsFlags::MS_RDONLY),
        "rw" => (false, MsFlags::MS_RDONLY),
        "nosuid" => (true, MsFlags::MS_NOSUID),
        "suid" => (false, MsFlags::MS_NOSUID),
        "nodev" => (true, MsFlags::MS_NODEV),
        "dev" => (false, MsFlags::MS_NODEV),
        "noexec" => (true, MsFlags::MS_NOEXEC),
        "exec" => (false, MsFlags::MS_NOEXEC),
        "sync" => (true, MsFlags::MS_SYNCHRONOUS),
        "async" => (false, MsFlags::MS_SYNCHRONOUS),
        "dirsync" => (true, MsFlags::MS_DIRSYNC),
        "mand" => (true, MsFlags::MS_MANDLOCK),
        "nomand" => (false, MsFlags::MS_MANDLOCK),
        "noatime" => (true, MsFlags::MS_NOATIME),
        "atime" => (false, MsFlags::MS_NOATIME),
        "nodiratime" => (true, MsFlags::MS_NODIRATIME),
        "diratime" => (false, MsFlags::MS_NODIRATIME),
        "relatime" => (true, MsFlags::MS_RELATIME),
        "norelatime" => (false, MsFlags::MS_RELATIME),
        "strictatime" => (true, MsFlags::MS_STRICTATIME),
        "nostrictatime" => (false, MsFlags::MS_STRICTATIME),
        _ => return None,
    };
    Some(flag)
}

/// The propagation type an option names, as mount(2) flags.
pub(super) fn propagation_option(option: &str) -> Option<MsFlags> {
    let flags = match option {
        "private" => MsFlags::MS_PRIVATE,
        "rprivate" => MsFlags::MS_PRIVATE | MsFlags::MS_REC,
        "shared" => MsFlags::MS_SHARED,
        "rshared" => MsFlags::MS_SHARED | MsFlags::MS_REC,
        "slave" => MsFlags::MS_SLAVE,
        "rslave" => MsFlags::MS_SLAVE | MsFlags::MS_REC,
        "unbindable" => MsFlags::MS_UNBINDABLE,
        "runbindable" => MsFlags::MS_UNBINDABLE | MsFlags::MS_REC,
        _ => return None,
    };
    Some(flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(options: &[&str]) -> MountOptions {
        let owned: Vec<String> = options.iter().map(|o| o.to_string()).collect();
        MountOptions::parse(&owned).unwrap()
    }

    #[test]
    fn splits_flags_propagation_and_data() {
        let parsed = parse(&[
            "nosuid",
            "strictatime",
            "mode=755",
            "size=65536k",
            "rprivate",
        ]);
        assert_eq!(parsed.flags, MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME);
        assert_eq!(
            parsed.propagation,
            vec![MsFlags::MS_PRIVATE | MsFlags::MS_REC]
        );
        assert_eq!(parsed.data().as_deref(), Some("mode=755,size=65536k"));
        assert_eq!(parsed.bind, None);
    }

    #[test]
    fn later_options_win() {
        let parsed = parse(&["ro", "rw", "noexec", "exec", "nodev"]);
        assert_eq!(parsed.flags, MsFlags::MS_NODEV);
    }

    #[test]
    fn rbind_wins_over_bind_in_any_order() {
        assert_eq!(parse(&["rbind", "bind"]).bind, Some(Bind::Recursive));
        assert_eq!(parse(&["bind", "rbind"]).bind, Some(Bind::Recursive));
        assert_eq!(parse(&["bind"]).bind, Some(Bind::Single));
    }

    #[test]
    fn devpts_keywords_are_data() {
        let parsed = parse(&[
            "nosuid",
            "noexec",
            "newinstance",
            "ptmxmode=0666",
            "mode=0620",
            "gid=5",
        ]);
        assert_eq!(
            parsed.data().as_deref(),
            Some("newinstance,ptmxmode=0666,mode=0620,gid=5")
        );
    }

    #[test]
    fn engine_level_options_are_not_data() {
        let parsed = parse(&["z", "U", "tmpcopyup", "nocopy"]);
        assert!(parsed.tmpcopyup);
        assert_eq!(parsed.data(), None);
        assert!(!parsed.needs_remount());
    }

    #[test]
    fn idmap_is_refused() {
        let err = MountOptions::parse(&["idmap".to_string()]).unwrap_err();
        assert!(
            err.to_string()
                .contains("idmapped mounts are not supported"),
            "{err}"
        );
    }
}
