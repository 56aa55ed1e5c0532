//! What rootless use still lacks on this host, each with the exact fix.
//!
//! [`Facts`] are gathered by `host.rs`; the verdicts here are pure functions of them, so every
//! problem and its fix is unit-tested without touching the machine.

use std::path::PathBuf;

use serde::Serialize;

/// One missing prerequisite: what is wrong and breaks, and the commands that fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub problem: String,
    /// The commands that fix it (named `solution` so that it sorts after `problem`).
    pub solution: String,
}

/// How a setuid helper gets its privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    SetuidRoot,
    FileCapabilities,
    None,
}

impl Privilege {
    pub fn describe(self) -> &'static str {
        match self {
            Privilege::SetuidRoot => "setuid root",
            Privilege::FileCapabilities => "file capabilities",
            Privilege::None => "none",
        }
    }
}

/// Whether a device node can be opened read-write by this user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    Usable,
    Missing,
    /// Present but not usable; the reason (e.g. "permission denied").
    Unusable(String),
}

/// The user-namespace switches of the kernel (`None`: the knob does not exist here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsernsKnobs {
    /// kernel.unprivileged_userns_clone (Debian and Arch kernels)
    pub unprivileged_clone: Option<bool>,
    /// user.max_user_namespaces
    pub max_user_namespaces: Option<u64>,
    /// kernel.apparmor_restrict_unprivileged_userns (Ubuntu 23.10+)
    pub apparmor_restrict: Option<bool>,
}

/// Everything the checks look at.
#[derive(Debug, Clone)]
pub struct Facts {
    pub user: String,
    pub rootless: bool,
    /// `ID` and `ID_LIKE` of /etc/os-release, to name the package manager.
    pub distro_ids: Vec<String>,
    pub subuid_file: PathBuf,
    pub subgid_file: PathBuf,
    pub has_subuids: bool,
    pub has_subgids: bool,
    /// The first start of a free 65536-ID range in both files.
    pub free_subid_start: u64,
    /// `(path, privilege)` of newuidmap and newgidmap, if installed.
    pub newuidmap: Option<(PathBuf, Privilege)>,
    pub newgidmap: Option<(PathBuf, Privilege)>,
    pub userns: UsernsKnobs,
    /// The propagation of the `/` mount: `shared`, `private` or `slave`.
    pub root_propagation: Option<String>,
    pub tun: Device,
    pub fuse: Device,
    pub pasta: Option<PathBuf>,
    pub slirp4netns: Option<PathBuf>,
    pub fuse_overlayfs: Option<PathBuf>,
    /// Whether the kernel mounts overlayfs in a user namespace (`None`: not probed).
    pub native_overlay: Option<bool>,
    /// `XDG_RUNTIME_DIR` is unset or not this user's.
    pub runtime_dir_fallback: Option<PathBuf>,
}

impl Facts {
    /// The command that installs `package` with this distribution's package manager.
    fn install(&self, package: &str) -> String {
        let is = |id: &str| self.distro_ids.iter().any(|d| d == id);
        let (manager, name) = if is("fedora") || is("rhel") || is("centos") {
            ("dnf install -y", fedora_name(package))
        } else if is("suse") || is("opensuse") {
            ("zypper install -y", arch_name(package))
        } else if is("arch") {
            ("pacman -S --noconfirm", arch_name(package))
        } else if is("alpine") {
            ("apk add", alpine_name(package))
        } else {
            ("apt-get install -y", package)
        };
        format!("as root: {manager} {name}")
    }
}

/// Package names are Debian's; other distributions ship the ID tools in shadow packages.
fn fedora_name(package: &str) -> &str {
    if package == "uidmap" {
        "shadow-utils"
    } else {
        package
    }
}

fn arch_name(package: &str) -> &str {
    if package == "uidmap" {
        "shadow"
    } else {
        package
    }
}

fn alpine_name(package: &str) -> &str {
    if package == "uidmap" {
        "shadow-uidmap"
    } else {
        package
    }
}

/// Every missing prerequisite of rootless containers (nothing when running as root).
pub fn problems(facts: &Facts) -> Vec<Problem> {
    let mut out = Vec::new();
    if !facts.rootless {
        return out;
    }
    let user = &facts.user;
    let mut problem = |problem: String, fix: String| {
        out.push(Problem {
            problem,
            solution: fix,
        })
    };

    let missing_ids: Vec<String> = [
        (facts.has_subuids, &facts.subuid_file),
        (facts.has_subgids, &facts.subgid_file),
    ]
    .iter()
    .filter(|(has, _)| !has)
    .map(|(_, file)| file.display().to_string())
    .collect();
    if !missing_ids.is_empty() {
        let (start, end) = (facts.free_subid_start, facts.free_subid_start + 65535);
        problem(
            format!(
                "{} {} {user} no subordinate IDs: only your own UID and GID map into containers, \
                 so images with other owners and chown inside containers fail",
                missing_ids.join(" and "),
                if missing_ids.len() == 1 {
                    "gives"
                } else {
                    "give"
                }
            ),
            format!(
                "as root: usermod --add-subuids {start}-{end} --add-subgids {start}-{end} {user}"
            ),
        );
    }
    for (tool, found, cap) in [
        ("newuidmap", &facts.newuidmap, "cap_setuid"),
        ("newgidmap", &facts.newgidmap, "cap_setgid"),
    ] {
        match found {
            None => problem(
                format!("{tool} is not installed: subordinate IDs cannot be mapped"),
                facts.install("uidmap"),
            ),
            Some((path, Privilege::None)) => problem(
                format!(
                    "{} is neither setuid root nor has file capabilities: it cannot map IDs",
                    path.display()
                ),
                format!(
                    "as root: chmod u+s {0} (or: setcap {cap}+ep {0})",
                    path.display()
                ),
            ),
            Some(_) => {}
        }
    }
    let sysctl = |key: &str, value: &str| {
        format!(
            "as root: sysctl -w {key}={value} && echo {key}={value} > /etc/sysctl.d/90-engine-userns.conf"
        )
    };
    if facts.userns.unprivileged_clone == Some(false) {
        problem(
            "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0): \
             rootless containers cannot start"
                .into(),
            sysctl("kernel.unprivileged_userns_clone", "1"),
        );
    }
    if facts.userns.max_user_namespaces == Some(0) {
        problem(
            "user namespaces are disabled (user.max_user_namespaces = 0): rootless containers \
             cannot start"
                .into(),
            sysctl("user.max_user_namespaces", "28633"),
        );
    }
    if facts.userns.apparmor_restrict == Some(true) {
        problem(
            "AppArmor restricts unprivileged user namespaces \
             (kernel.apparmor_restrict_unprivileged_userns = 1): rootless containers lack \
             capabilities inside"
                .into(),
            sysctl("kernel.apparmor_restrict_unprivileged_userns", "0"),
        );
    }
    if let Some(propagation) = facts.root_propagation.as_deref()
        && propagation != "shared"
    {
        problem(
            format!(
                "\"/\" is a {propagation} mount, not a shared one: mounts made on the host later \
                 do not reach containers, and shared/slave volume propagation fails"
            ),
            "as root: mount --make-rshared / (systemd does this at boot; add it to your init \
             otherwise)"
                .into(),
        );
    }
    if facts.pasta.is_none() && facts.slirp4netns.is_none() {
        problem(
            "neither pasta nor slirp4netns is installed: rootless containers get no network \
             beyond loopback"
                .into(),
            facts.install("passt"),
        );
    }
    if facts.pasta.is_some() || facts.slirp4netns.is_some() {
        match &facts.tun {
            Device::Usable => {}
            Device::Missing => problem(
                "/dev/net/tun does not exist: pasta and slirp4netns cannot give containers a \
                 network"
                    .into(),
                "as root: modprobe tun && echo tun > /etc/modules-load.d/tun.conf".into(),
            ),
            Device::Unusable(why) => problem(
                format!(
                    "/dev/net/tun is not usable by {user} ({why}): pasta and slirp4netns need it"
                ),
                "as root: chmod 0666 /dev/net/tun".into(),
            ),
        }
    }
    if facts.native_overlay == Some(false) {
        match (&facts.fuse_overlayfs, &facts.fuse) {
            (None, _) => problem(
                "the kernel cannot mount overlayfs in a user namespace and fuse-overlayfs is not \
                 installed: containers fall back to copying every layer (vfs)"
                    .into(),
                facts.install("fuse-overlayfs"),
            ),
            (Some(_), Device::Missing) => problem(
                "/dev/fuse does not exist: fuse-overlayfs (needed, as the kernel cannot mount \
                 overlayfs in a user namespace) cannot work"
                    .into(),
                "as root: modprobe fuse && echo fuse > /etc/modules-load.d/fuse.conf".into(),
            ),
            (Some(_), Device::Unusable(why)) => problem(
                format!("/dev/fuse is not usable by {user} ({why}): fuse-overlayfs cannot work"),
                "as root: chmod 0666 /dev/fuse".into(),
            ),
            (Some(_), Device::Usable) => {}
        }
    }
    if let Some(dir) = &facts.runtime_dir_fallback {
        problem(
            format!(
                "XDG_RUNTIME_DIR is unset or not yours: runtime state goes to {}, which nothing \
                 cleans at reboot",
                dir.display()
            ),
            format!(
                "log in with a session (ssh or a console login, not su); for services without \
                 a login, as root: loginctl enable-linger {user}"
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host where everything is in order.
    fn healthy() -> Facts {
        Facts {
            user: "alice".into(),
            rootless: true,
            distro_ids: vec!["debian".into()],
            subuid_file: "/etc/subuid".into(),
            subgid_file: "/etc/subgid".into(),
            has_subuids: true,
            has_subgids: true,
            free_subid_start: 165536,
            newuidmap: Some(("/usr/bin/newuidmap".into(), Privilege::SetuidRoot)),
            newgidmap: Some(("/usr/bin/newgidmap".into(), Privilege::FileCapabilities)),
            userns: UsernsKnobs {
                unprivileged_clone: Some(true),
                max_user_namespaces: Some(28633),
                apparmor_restrict: None,
            },
            root_propagation: Some("shared".into()),
            tun: Device::Usable,
            fuse: Device::Missing,
            pasta: Some("/usr/bin/pasta".into()),
            slirp4netns: None,
            fuse_overlayfs: None,
            native_overlay: Some(true),
            runtime_dir_fallback: None,
        }
    }

    fn fixes(facts: &Facts) -> Vec<String> {
        problems(facts).into_iter().map(|p| p.solution).collect()
    }

    #[test]
    fn a_healthy_host_and_root_have_no_problems() {
        assert_eq!(problems(&healthy()), []);
        let root = Facts {
            rootless: false,
            newuidmap: None,
            ..healthy()
        };
        assert_eq!(problems(&root), []);
    }

    #[test]
    fn missing_subordinate_ids_get_a_free_range() {
        let facts = Facts {
            has_subgids: false,
            ..healthy()
        };
        let found = problems(&facts);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].problem.starts_with("/etc/subgid gives alice"),
            "{found:?}"
        );
        assert_eq!(
            found[0].solution,
            "as root: usermod --add-subuids 165536-231071 --add-subgids 165536-231071 alice"
        );
    }

    #[test]
    fn id_tools_missing_or_unprivileged() {
        let facts = Facts {
            newuidmap: None,
            newgidmap: Some(("/usr/bin/newgidmap".into(), Privilege::None)),
            distro_ids: vec!["rocky".into(), "rhel".into(), "fedora".into()],
            ..healthy()
        };
        assert_eq!(
            fixes(&facts),
            [
                "as root: dnf install -y shadow-utils",
                "as root: chmod u+s /usr/bin/newgidmap (or: setcap cap_setgid+ep /usr/bin/newgidmap)"
            ]
        );
    }

    #[test]
    fn disabled_user_namespaces_name_the_sysctl() {
        let facts = Facts {
            userns: UsernsKnobs {
                unprivileged_clone: Some(false),
                max_user_namespaces: Some(0),
                apparmor_restrict: Some(true),
            },
            ..healthy()
        };
        let fixes = fixes(&facts);
        assert_eq!(fixes.len(), 3);
        assert!(fixes[0].contains("sysctl -w kernel.unprivileged_userns_clone=1"));
        assert!(fixes[1].contains("user.max_user_namespaces=28633"));
        assert!(fixes[2].contains("kernel.apparmor_restrict_unprivileged_userns=0"));
    }

    #[test]
    fn private_root_and_network_prerequisites() {
        let facts = Facts {
            root_propagation: Some("private".into()),
            tun: Device::Unusable("permission denied".into()),
            ..healthy()
        };
        let found = problems(&facts);
        assert!(found[0].problem.contains("\"/\" is a private mount"));
        assert!(found[0].solution.contains("mount --make-rshared /"));
        assert_eq!(found[1].solution, "as root: chmod 0666 /dev/net/tun");
        let no_network = Facts {
            pasta: None,
            tun: Device::Missing,
            ..healthy()
        };
        // Without a network helper the device does not matter; the helper does.
        assert_eq!(fixes(&no_network), ["as root: apt-get install -y passt"]);
    }

    #[test]
    fn fuse_matters_only_without_native_overlay() {
        let mut facts = Facts {
            native_overlay: Some(false),
            ..healthy()
        };
        assert_eq!(
            fixes(&facts),
            ["as root: apt-get install -y fuse-overlayfs"]
        );
        facts.fuse_overlayfs = Some("/usr/bin/fuse-overlayfs".into());
        assert!(fixes(&facts)[0].contains("modprobe fuse"));
        facts.fuse = Device::Usable;
        assert_eq!(problems(&facts), []);
    }

    #[test]
    fn runtime_dir_fallback_suggests_lingering() {
        let facts = Facts {
            runtime_dir_fallback: Some("/tmp/engine-run-1000".into()),
            ..healthy()
        };
        assert!(fixes(&facts)[0].ends_with("loginctl enable-linger alice"));
    }
}
